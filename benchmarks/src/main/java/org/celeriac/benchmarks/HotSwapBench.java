package org.celeriac.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.worker.api.Worker;

/**
 * The worker end to end, in a real Felix with the distribution's bundles: one thread submits {@code add}
 * tasks as fast as it can (at most 10 000 in flight) while another hot-swaps the pool every second
 * (threads → prefork → green → prefork → ...). The run is cut into rounds of equal length (5 in full mode,
 * the swaps going on throughout); each figure is the median of the rounds with its range: throughput, its
 * dip (the slowest 100 ms window against the median one), the longest single {@code Worker.submit}, the
 * longest pause between two accepted submissions. Tasks lost are counted over the whole run. How much of the
 * longest submit the collector's pauses took is reported beside it ({@link GcPauses}).
 * {@code -Dcycle=green,threads} swaps through other pools (to tell a pool's share of the pause apart).
 */
public final class HotSwapBench {
    private static final int IN_FLIGHT = 10_000;

    /** What one round saw. */
    private record Round(double throughput, double slowestWindow, double medianWindow, double longestSubmitMs,
                         double longestSubmitGcMs, double longestGapMs) {
    }

    private HotSwapBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int rounds = quick ? 1 : 5;
        long seconds = quick ? 4 : 12;
        GcPauses gc = GcPauses.record();
        BenchFelix felix = BenchFelix.start(Map.of());
        Worker worker = felix.worker();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        ConcurrentLinkedQueue<TaskHandle> failures = new ConcurrentLinkedQueue<>();
        AtomicLong submitted = new AtomicLong();
        AtomicLong succeeded = new AtomicLong();
        AtomicBoolean swapping = new AtomicBoolean(true);
        Thread swapper = Thread.ofPlatform().name("swapper").start(() -> {
            String[] cycle = System.getProperty("cycle", "prefork,green,prefork,threads").split(",");
            try {
                for (int i = 0; swapping.get(); i++) {
                    Thread.sleep(1000);
                    worker.use(cycle[i % cycle.length], 2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Round> all = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            all.add(round(worker, seconds, inFlight, submitted, succeeded, failures, gc));
        }
        swapping.set(false);
        swapper.join();
        System.out.printf("%nWorker hot-swap every second, %d round(s) of %d s (threads → prefork → green → prefork → threads ...)"
                + "; median (range) of the rounds%n%n", rounds, seconds);
        System.out.println("| measure | value | target |");
        System.out.println("|---|---|---|");
        System.out.printf("| tasks submitted / succeeded / failed | %d / %d / %d | 0 lost: %s |%n", submitted.get(), succeeded.get(),
                failures.size(), failures.isEmpty() && submitted.get() == succeeded.get() ? "PASS" : "MISS");
        System.out.printf("| throughput | %s tasks/s | |%n", spread(all, Round::throughput).format());
        System.out.printf("| slowest 100 ms window vs median one | %s vs %s tasks | |%n", spread(all, Round::slowestWindow).format(),
                spread(all, Round::medianWindow).format());
        Spread submit = spread(all, Round::longestSubmitMs);
        System.out.printf("| longest pause in acceptance (one Worker.submit call) | %s | ≤ 20 ms: %s |%n",
                millis(submit), submit.median() <= 20 ? "PASS" : "MISS");
        System.out.printf("| … of which the collector's pauses (%s) | %s | |%n", gc.collectors(),
                millis(spread(all, Round::longestSubmitGcMs)));
        System.out.printf("| longest gap between accepted tasks (incl. %,d-in-flight backpressure) | %s | |%n",
                IN_FLIGHT, millis(spread(all, Round::longestGapMs)));
        felix.close();
        if (!failures.isEmpty()) {
            System.out.println("FAILED: " + failures.peek());
            System.exit(1);
        }
    }

    /** Submits for {@code seconds}, then waits for this round's tasks, so rounds do not share completions. */
    private static Round round(Worker worker, long seconds, Semaphore inFlight, AtomicLong submitted, AtomicLong succeeded,
                               ConcurrentLinkedQueue<TaskHandle> failures, GcPauses gc) throws InterruptedException {
        long[] buckets = new long[(int) (seconds * 10) + 20];
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        AtomicLong done = new AtomicLong();
        long longestSubmit = 0; // time inside Worker.submit: the worker's own pause in accepting tasks
        long longestSubmitAt = 0;
        long longestGap = 0;    // between two accepted tasks, including the benchmark's own backpressure
        long last = System.nanoTime();
        while (System.nanoTime() < end) {
            inFlight.acquire();
            long before = System.nanoTime();
            TaskHandle h = worker.submit(TaskRequest.of("add", 1, 2));
            submitted.incrementAndGet();
            long now = System.nanoTime();
            if (now - before > longestSubmit) {
                longestSubmit = now - before;
                longestSubmitAt = before;
            }
            longestGap = Math.max(longestGap, now - last);
            last = now;
            h.result().whenComplete((v, e) -> {
                if (e == null) {
                    succeeded.incrementAndGet();
                    done.incrementAndGet();
                    int b = (int) ((System.nanoTime() - start) / 100_000_000L);
                    synchronized (buckets) {
                        buckets[Math.min(b, buckets.length - 1)]++;
                    }
                } else {
                    failures.add(h);
                }
                inFlight.release();
            });
        }
        inFlight.acquire(IN_FLIGHT); // this round's tasks have completed
        inFlight.release(IN_FLIGHT);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] windows;
        synchronized (buckets) {
            windows = Arrays.copyOf(buckets, (int) (seconds * 10));
        }
        Arrays.sort(windows);
        Thread.sleep(100); // the collector's notifications come on their own thread
        return new Round(done.get() / elapsed, windows[0], windows[windows.length / 2], longestSubmit / 1e6,
                gc.within(longestSubmitAt, longestSubmitAt + longestSubmit) / 1e6, longestGap / 1e6);
    }

    private static String millis(Spread s) {
        return s.runs() == 1 ? String.format(Locale.ROOT, "%.1f ms", s.median())
                : String.format(Locale.ROOT, "%.1f ms (%.1f–%.1f)", s.median(), s.min(), s.max());
    }

    private static Spread spread(List<Round> rounds, java.util.function.ToDoubleFunction<Round> figure) {
        return Spread.of(rounds.stream().map(figure::applyAsDouble).toList());
    }
}
