package org.celeriac.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Start → ready and idle memory, side by side in one run: the Celeriac distribution ({@code bin/celeriac
 * --no-shell --broker …}) and Debian's Celery 5.2 worker ({@code celery worker}), each with the threads and
 * the prefork pool at concurrency 2 on the same Redis. Celery twice: as a user starts it (its start then
 * includes mingle, which waits a second for other workers' answers) and without mingle and gossip. "Ready"
 * is the line each prints once it consumes ({@code celeriac@… ready.}, Celery's {@code celery@… ready.});
 * memory is the resident set of the worker process and of its children, read from {@code /proc} two seconds
 * after ready. Median of the runs.
 * Skipped, saying so, without {@code redis-server}; Celery's rows without {@code python3-celery}.
 */
public final class StartupBench {
    private static final Path DISTRIBUTION = Path.of("launcher", "target", "celeriac", "bin", "celeriac").toAbsolutePath();

    /** One start: seconds to ready, and the worker's and its children's resident memory in MB. */
    record Start(double seconds, double workerMb, double childrenMb) {
    }

    private StartupBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = List.of(args).contains("--quick") ? 1 : 5;
        if (!Files.isExecutable(BenchRedis.BINARY) || !Files.isExecutable(DISTRIBUTION)) {
            System.out.println("\nStartupBench skipped: needs /usr/bin/redis-server and the distribution " + DISTRIBUTION);
            return;
        }
        List<String> rows = new ArrayList<>();
        try (BenchRedis redis = BenchRedis.start("startup")) {
            Path dir = redis.dir();
            String url = redis.url();
            boolean celery = BrokerBench.pythonCelery();
            BrokerBench.writeCeleryApp(url, dir);
            for (String pool : List.of("threads", "prefork")) {
                List<String> celeriac = List.of(DISTRIBUTION.toString(), "--no-shell", "--pool", pool,
                        "--concurrency", "2", "--broker", url, "-n", "celeriac-" + pool + "@startup");
                // Once untimed: a first start records the AOT caches of the worker and of the children in the
                // background, and every later one uses them; this is the start a user has from the second on.
                start(celeriac, dir.resolve("celeriac.log"), dir);
                awaitCacheTraining();
                Start ours = median(runs, () -> start(celeriac, dir.resolve("celeriac.log"), dir));
                double target = pool.equals("threads") ? 1.0 : 1.5;
                rows.add(row("Celeriac", pool, ours, String.format(Locale.ROOT, "ready ≤ %.1f s, RSS ≤ 100 MB: %s", target,
                        ours.seconds() <= target && ours.workerMb() <= 100 ? "PASS" : "MISS")));
                if (celery) {
                    List<String> theirs = List.of("/usr/bin/python3", "-m", "celery", "-A", "bench_tasks", "worker", "-P", pool,
                            "-c", "2", "-n", "celery-" + pool + "@startup", "--loglevel=INFO");
                    Start plain = median(runs, () -> start(theirs, dir.resolve("celery.log"), dir));
                    rows.add(row("Python Celery 5.2, as started by default", pool, plain, String.format(Locale.ROOT,
                            "Celeriac faster: %s", ours.seconds() < plain.seconds() ? "PASS" : "MISS")));
                    List<String> stripped = new ArrayList<>(theirs);
                    stripped.addAll(List.of("--without-gossip", "--without-mingle"));
                    rows.add(row("Python Celery 5.2, --without-mingle --without-gossip", pool,
                            median(runs, () -> start(stripped, dir.resolve("celery.log"), dir)), ""));
                }
            }
            System.out.println("\nStart → ready and idle memory (concurrency 2, Redis broker; median of " + runs + ")\n");
            System.out.println("| worker | pool | start → ready | worker RSS | children RSS | target |");
            System.out.println("|---|---|---|---|---|---|");
            rows.forEach(System.out::println);
            if (!celery) {
                System.out.println("(Python Celery not installed: its rows are skipped)");
            }
        }
    }

    /** Waits (up to a minute) until no JVM is recording an AOT/class-data cache. */
    private static void awaitCacheTraining() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline && ProcessHandle.allProcesses().anyMatch(h -> h.info().arguments()
                .map(a -> List.of(a).stream().anyMatch(x -> x.startsWith("-XX:AOTCacheOutput=") || x.startsWith("-XX:ArchiveClassesAtExit=")))
                .orElse(false))) {
            Thread.sleep(200);
        }
    }

    private static String row(String worker, String pool, Start s, String target) {
        return String.format(Locale.ROOT, "| %s | %s | %.2f s | %.0f MB | %.0f MB | %s |", worker, pool, s.seconds(),
                s.workerMb(), s.childrenMb(), target);
    }

    interface Run {
        Start once() throws Exception;
    }

    private static Start median(int runs, Run run) throws Exception {
        List<Start> all = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            all.add(run.once());
        }
        double[] s = all.stream().mapToDouble(Start::seconds).sorted().toArray();
        double[] w = all.stream().mapToDouble(Start::workerMb).sorted().toArray();
        double[] c = all.stream().mapToDouble(Start::childrenMb).sorted().toArray();
        return new Start(s[s.length / 2], w[w.length / 2], c[c.length / 2]);
    }

    /** Starts {@code command}, waits for its "ready." line, measures, stops it with SIGTERM. */
    private static Start start(List<String> command, Path log, Path dir) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        // Not closed here: closing a reader another thread is reading blocks until that read returns. The
        // process's end closes the pipe, and the drain thread with it.
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try {
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                if (line.strip().endsWith(" ready.")) {
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Thread.ofPlatform().daemon().start(() -> drain(out));
                    Thread.sleep(2000); // idle, children up
                    double worker = rssMb(p.toHandle());
                    double children = p.toHandle().descendants().mapToDouble(StartupBench::rssMb).sum();
                    return new Start(seconds, worker, children);
                }
            }
            Files.writeString(log, seen);
            throw new IllegalStateException(command.get(0) + " exited without saying it is ready; output in " + log);
        } finally {
            p.toHandle().destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // keep the pipe open until the process exits
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    /** VmRSS of a process, in MB (0 once it is gone). */
    private static double rssMb(ProcessHandle h) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(h.pid()), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).map(l -> Arrays.stream(l.split("\\s+")).toList().get(1))
                    .mapToDouble(kb -> Double.parseDouble(kb) / 1024).findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }
}
