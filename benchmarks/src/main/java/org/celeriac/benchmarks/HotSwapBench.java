package org.celeriac.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.worker.api.Worker;

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
        BenchFelix felix = BenchFelix.start(Map.of());
        Worker worker = felix.worker();
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
        System.out.printf("| longest pause in acceptance (one Worker.submit call) | %.1f ms | ≤ 20 ms: %s |%n", longestSubmit / 1e6,
                longestSubmit <= 20_000_000L ? "PASS" : "MISS");
        System.out.printf("| longest gap between accepted tasks (incl. 10 000-in-flight backpressure) | %.1f ms | |%n", longestGap / 1e6);
        felix.close();
        if (!failures.isEmpty()) {
            System.out.println("FAILED: " + failures.peek());
            System.exit(1);
        }
    }
}
