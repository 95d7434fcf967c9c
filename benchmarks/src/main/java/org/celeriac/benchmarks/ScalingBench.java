package org.celeriac.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.celeriac.examples.tasks.CpuTask;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.green.impl.GreenPool;
import org.celeriac.pool.prefork.impl.PreforkPool;
import org.celeriac.pool.solo.impl.SoloPool;
import org.celeriac.pool.spi.MapTaskRegistry;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.threads.impl.ThreadsPool;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * CPU-bound scaling: a ~1 ms hash loop ({@code cpu 1000000}) on every pool at concurrency 1, 2 and 4, the
 * speed-up against the same pool at concurrency 1, and a raw single-threaded loop as the baseline, run
 * alternately with each pool's rounds at concurrency 1. Writes
 * {@code benchmarks/results/throughput-vs-concurrency.png}.
 */
public final class ScalingBench {
    private static final long ITERATIONS = 1_000_000;

    private ScalingBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int tasks = quick ? 200 : 1000;
        PoolEnvironment env = PoolEnvironment.of(new MapTaskRegistry().register("cpu", new CpuTask()));
        ChildJars childJars = ChildJars.ofClassPath();
        Map<String, Supplier<BasePool>> pools = new LinkedHashMap<>();
        pools.put("threads", () -> new ThreadsPool(env));
        pools.put("green", () -> new GreenPool(env));
        pools.put("prefork", () -> PreforkPool.standalone(env, childJars.classpath(), childJars.taskBundles()));
        pools.put("solo", () -> new SoloPool(env));
        int[] levels = {1, 2, 4};
        XYChart chart = new XYChartBuilder().width(800).height(500).title("CPU-bound tasks (~1 ms) on 2 cores")
                .xAxisTitle("concurrency").yAxisTitle("tasks/s").build();
        int rounds = quick ? 1 : 5;
        Duration warmUp = Duration.ofSeconds(quick ? 1 : 3);
        System.out.printf("%nCPU-bound scaling (%s mode): medians of %d rounds; at c=1 each round also runs the raw"
                + " single-threaded loop, so the ratio is taken under the same machine weather%n%n", quick ? "quick" : "full", rounds);
        System.out.println("| pool | c=1 | c=2 | c=4 | speed-up c2/c1 | raw loop | c1 vs raw loop |");
        System.out.println("|---|---|---|---|---|---|---|");
        List<String> verdicts = new ArrayList<>();
        for (var e : pools.entrySet()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            Rates c1 = null;
            for (int c : levels) {
                if (e.getKey().equals("solo") && c > 1) {
                    continue;
                }
                Rates r = rates(e.getValue().get(), c, tasks, warmUp, rounds, c == 1);
                c1 = c == 1 ? r : c1;
                xs.add((double) c);
                ys.add(r.pool().median());
            }
            chart.addSeries(e.getKey(), xs, ys);
            Spread vsRaw = c1.vsRaw();
            System.out.printf(Locale.ROOT, "| %s | %.0f | %s | %s | %s | %.0f | %s |%n", e.getKey(), ys.get(0),
                    ys.size() > 1 ? String.format(Locale.ROOT, "%.0f", ys.get(1)) : "-",
                    ys.size() > 2 ? String.format(Locale.ROOT, "%.0f", ys.get(2)) : "-",
                    ys.size() > 1 ? String.format(Locale.ROOT, "%.2fx", ys.get(1) / ys.get(0)) : "-", c1.raw().median(),
                    rounds > 1 ? String.format(Locale.ROOT, "%.2fx (%.2f–%.2f)", vsRaw.median(), vsRaw.min(), vsRaw.max())
                            : String.format(Locale.ROOT, "%.2fx", vsRaw.median()));
            if (e.getKey().equals("prefork")) { // issue 16 item 2: CPU-bound tasks in children at native speed
                double speedUp = ys.get(1) / ys.get(0);
                verdicts.add(String.format(Locale.ROOT, "%-4s prefork c1 vs raw loop: %.2fx (target >= 0.95x)",
                        vsRaw.median() >= 0.95 ? "PASS" : "MISS", vsRaw.median()));
                verdicts.add(String.format(Locale.ROOT, "%-4s prefork speed-up c2/c1: %.2fx (target >= 1.85x)",
                        speedUp >= 1.85 ? "PASS" : "MISS", speedUp));
            }
        }
        System.out.println();
        verdicts.forEach(System.out::println);
        Path out = Path.of("benchmarks/results/throughput-vs-concurrency" + (quick ? "-quick" : "") + ".png");
        Files.createDirectories(out.getParent());
        System.setProperty("java.awt.headless", "true");
        BitmapEncoder.saveBitmap(chart, out.toString(), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("\nwritten: " + out);
    }

    private static double rawRate(int tasks) {
        long sink = 0;
        for (int i = 0; i < tasks / 2; i++) {
            sink += hash(ITERATIONS);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            sink += hash(ITERATIONS);
        }
        double rate = tasks * 1e9 / (System.nanoTime() - t0);
        return sink == 42 ? rate + 1 : rate;
    }

    /** The same loop as the cpu task, called directly. */
    private static long hash(long iterations) {
        long h = 0xcbf29ce484222325L;
        for (long i = 0; i < iterations; i++) {
            h = (h ^ i) * 0x100000001b3L;
        }
        return h;
    }

    /**
     * A pool's rates over the rounds, and, when paired, the raw loop's rate measured just before each of
     * them and the per-round ratios (machine speed drifts by up to 30 % within a minute here); otherwise
     * {@code raw} and {@code vsRaw} are {@code null}.
     */
    private record Rates(Spread pool, Spread raw, Spread vsRaw) {
    }

    private static Rates rates(BasePool pool, int concurrency, int tasks, Duration warmUp, int rounds, boolean pairWithRaw)
            throws Exception {
        pool.start(PoolConfig.ofConcurrency(concurrency).withOptions(java.util.Map.of("spare.children", "0")));
        try {
            // Warm-up until the JIT is done in every worker or child: at least half the measured tasks and at
            // least warmUp. A prefork child compiles with ten times the JDK's thresholds (a cheaper start,
            // see ChildLauncher), so its per-task protocol code needs about 2 000 tasks, not a few hundred.
            long warmEnd = System.nanoTime() + warmUp.toNanos();
            do {
                run(pool, tasks / 2);
            } while (System.nanoTime() < warmEnd);
            List<Double> ours = new ArrayList<>();
            List<Double> raws = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                if (pairWithRaw) {
                    raws.add(rawRate(tasks));
                }
                long t0 = System.nanoTime();
                run(pool, tasks);
                ours.add(tasks * 1e9 / (System.nanoTime() - t0));
                if (pairWithRaw) {
                    ratios.add(ours.get(r) / raws.get(r));
                }
            }
            return pairWithRaw ? new Rates(Spread.of(ours), Spread.of(raws), Spread.of(ratios))
                    : new Rates(Spread.of(ours), null, null);
        } finally {
            pool.terminate();
        }
    }

    private static void run(BasePool pool, int n) throws Exception {
        List<TaskHandle> hs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            hs.add(pool.applyAsync(TaskRequest.of("cpu", ITERATIONS)));
        }
        for (TaskHandle h : hs) {
            h.await(Duration.ofMinutes(5));
        }
    }
}
