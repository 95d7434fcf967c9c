package org.celeriac.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The worker end to end, in a real Felix with the distribution's bundles: one thread submits {@code add}
 * tasks as fast as it can (at most 10 000 in flight) while another hot-swaps the pool every second
 * (threads → prefork → green → prefork → ...). Reports throughput, its dip (the slowest 100 ms window
 * against the median one), the longest pause between two accepted submissions, and lost tasks.
 */
public final class HotSwapBench {
    private HotSwapBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        Path bundles = Path.of("launcher/target/celeriac/bundle");
        Path storage = Files.createTempDirectory("celeriac-bench-felix-");
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA,
                "org.celeriac.pool.api;version=1.4.0,org.celeriac.pool.spi;version=1.1.0,org.celeriac.worker.api;version=1.4.0");
        config.put("felix.fileinstall.dir", storage.resolve("deploy").toString());
        config.put("celeriac.worker.pool", "threads");
        config.put("celeriac.worker.concurrency", "2");
        Framework felix = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(config);
        felix.start();
        BundleContext ctx = felix.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        try (Stream<Path> jars = Files.list(bundles)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar") && !p.toString().contains("gogo.jline")).sorted().toList()) {
                installed.add(ctx.installBundle(jar.toUri().toString()));
            }
        }
        for (Bundle b : installed) {
            b.start();
        }
        Worker worker = awaitWorker(ctx);
        long seconds = quick ? 4 : 12;
        Semaphore inFlight = new Semaphore(10_000);
        ConcurrentLinkedQueue<TaskHandle> failures = new ConcurrentLinkedQueue<>();
        AtomicLong succeeded = new AtomicLong();
        long[] buckets = new long[(int) (seconds * 10) + 20];
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        Thread swapper = Thread.ofPlatform().name("swapper").start(() -> {
            String[] cycle = {"prefork", "green", "prefork", "threads"};
            try {
                for (int i = 0; System.nanoTime() < end; i++) {
                    Thread.sleep(1000);
                    worker.use(cycle[i % cycle.length], 2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long submitted = 0;
        long longestSubmit = 0; // time inside Worker.submit: the worker's own pause in accepting tasks
        long longestGap = 0;    // between two accepted tasks, including the benchmark's own backpressure
        long last = System.nanoTime();
        while (System.nanoTime() < end) {
            inFlight.acquire();
            long before = System.nanoTime();
            TaskHandle h = worker.submit(TaskRequest.of("add", 1, 2));
            submitted++;
            long now = System.nanoTime();
            longestSubmit = Math.max(longestSubmit, now - before);
            longestGap = Math.max(longestGap, now - last);
            last = now;
            h.result().whenComplete((v, e) -> {
                inFlight.release();
                if (e == null) {
                    succeeded.incrementAndGet();
                    int b = (int) ((System.nanoTime() - start) / 100_000_000L);
                    synchronized (buckets) {
                        buckets[Math.min(b, buckets.length - 1)]++;
                    }
                } else {
                    failures.add(h);
                }
            });
        }
        swapper.join();
        inFlight.acquire(10_000); // every task has completed
        long[] windows = java.util.Arrays.copyOf(buckets, (int) (seconds * 10));
        long[] sorted = windows.clone();
        java.util.Arrays.sort(sorted);
        System.out.printf("%nWorker hot-swap every second for %d s (threads → prefork → green → prefork → threads ...)%n%n", seconds);
        System.out.println("| measure | value | target |");
        System.out.println("|---|---|---|");
        System.out.printf("| tasks submitted / succeeded / failed | %d / %d / %d | 0 lost |%n", submitted, succeeded.get(), failures.size());
        System.out.printf("| throughput | %.0f tasks/s | |%n", succeeded.get() / (double) seconds);
        System.out.printf("| slowest 100 ms window vs median | %d vs %d tasks | |%n", sorted[0] * 1, sorted[sorted.length / 2]);
        System.out.printf("| longest pause in acceptance (one Worker.submit call) | %.1f ms | ≤ 50 ms |%n", longestSubmit / 1e6);
        System.out.printf("| longest gap between accepted tasks (incl. 10 000-in-flight backpressure) | %.1f ms | |%n", longestGap / 1e6);
        felix.stop();
        felix.waitForStop(60_000);
        if (!failures.isEmpty()) {
            System.out.println("FAILED: " + failures.peek());
            System.exit(1);
        }
    }

    private static Worker awaitWorker(BundleContext ctx) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            ServiceReference<Worker> ref = ctx.getServiceReference(Worker.class);
            if (ref != null) {
                Worker w = ctx.getService(ref);
                if (w.activePool().isPresent()) {
                    return w;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no worker with an active pool within 30 s");
    }
}
