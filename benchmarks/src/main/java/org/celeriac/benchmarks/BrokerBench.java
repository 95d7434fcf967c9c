package org.celeriac.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;

/**
 * Tasks through a real {@code redis-server}, end to end: N {@code add} messages in Celery's protocol 2 are
 * pushed to a queue and the clock stops at the N-th result published by the result backend.
 *
 * <ul>
 *   <li><b>raw, pipelined</b>: the fastest a Java process drains the queue with no guarantees — one thread,
 *       {@code RPOP key 256}, decode, add, and all the results' {@code SETEX}+{@code PUBLISH} in one pipeline.
 *       A crash loses every message it holds.</li>
 *   <li><b>raw, one at a time</b>: one thread, {@code BRPOP}, decode, add, {@code SETEX}+{@code PUBLISH}.</li>
 *   <li><b>Celeriac</b>: the distribution's bundles in Felix with the Redis broker (atomic take, atomic
 *       result + acknowledgement) on the threads and prefork pools, across {@code prefetch.multiplier} and
 *       concurrency.</li>
 *   <li><b>Celery</b>: Debian's Python Celery worker on the same Redis, threads and prefork pools, concurrency 2,
 *       when {@code python3-celery} is installed (once: it is 10–50x slower).</li>
 * </ul>
 * Every row but Celery's is measured in each of several rounds, the rows interleaved, and reported as the
 * median with its range. The raw consumers are programs of their own ({@link RawConsumer}), each reading its
 * own queue, so they and Celeriac's worker stay up between rows.
 * Skipped, saying so, when {@code redis-server} is not installed. {@code -Dbench.n=N}: N messages a round
 * instead of 20 000 (2 000 with {@code --quick}); {@code -Dbench.only=REGEX}: only the Celeriac rows that match.
 */
public final class BrokerBench {
    private static final String RAW_PIPELINED_QUEUE = "raw-pipelined";
    private static final String RAW_ONE_QUEUE = "raw-one-at-a-time";
    private static final String PIPELINED = "raw Java consumer, pipelined (RPOP 256, SETEX + PUBLISH batched), no ack";
    private static final String ONE_AT_A_TIME = "raw Java consumer, one at a time (BRPOP, SETEX + PUBLISH), no ack";

    /** One Celeriac configuration: a pool, its concurrency and the broker's prefetch multiplier. */
    private record Setup(String pool, int concurrency, int prefetch) {
        String label() {
            return "Celeriac, " + pool + " c" + concurrency + ", prefetch " + prefetch + " x c";
        }
    }

    private BrokerBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int n = Integer.getInteger("bench.n", quick ? 2_000 : 20_000);
        int rounds = quick ? 1 : 5;
        if (!Files.isExecutable(BenchRedis.BINARY)) {
            System.out.println("\nBrokerBench skipped: redis-server is not installed (Debian package redis-server)");
            return;
        }
        List<Setup> setups = new ArrayList<>();
        for (int prefetch : List.of(1, 4, 16, 64)) {
            setups.add(new Setup("threads", 2, prefetch));
        }
        setups.add(new Setup("threads", 1, 16));
        setups.add(new Setup("threads", 4, 16));
        // Highest prefetch first: the swap's long warm-up (below) then runs at prefork's fastest.
        for (int prefetch : List.of(64, 16, 4, 1)) {
            setups.add(new Setup("prefork", 2, prefetch));
        }
        // -Dbench.only=REGEX: only the Celeriac rows whose label matches (the raw rows are the baseline, always run).
        String only = System.getProperty("bench.only");
        if (only != null) {
            setups.removeIf(s -> !java.util.regex.Pattern.compile(only).matcher(s.label()).find());
        }
        Map<String, List<Round>> samples = new LinkedHashMap<>();
        try (BenchRedis redis = BenchRedis.start("redis")) {
            int port = redis.port();
            long redisPid = redis.process().pid();
            String url = redis.url();
            // Each raw consumer in a JVM of its own (see RawConsumer), up for the whole run, reading its own queue.
            List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("--sun-misc-unsafe-memory-access")).collect(Collectors.toCollection(ArrayList::new));
            jvm.add("-Xmx512m");
            Process pipelined = RawConsumer.start(port, "pipelined", RAW_PIPELINED_QUEUE, jvm);
            Process oneAtATime = RawConsumer.start(port, "one-at-a-time", RAW_ONE_QUEUE, jvm);
            // The launcher's --broker and --hostname, as framework properties.
            try (BenchFelix felix = BenchFelix.start(Map.of("celeriac.broker.url", url, "celeriac.broker.hostname", "celeriac@bench"))) {
                Worker worker = felix.worker();
                int prefetchNow = 4;
                String poolNow = "threads";
                int concurrencyNow = 2;
                // A full run starts with a round that is not counted: the worker's JIT was still at work through
                // the first three or four rounds (its CPU per task fell from ~90 to ~20 µs, the raw consumer's
                // from ~55 to ~10), and a median over them measured warm-up, not the steady state.
                for (int round = quick ? 1 : 0; round <= rounds; round++) {
                    System.out.println(round == 0 ? "warm-up round (not counted)" : "round " + round + " of " + rounds);
                    Map<String, List<Round>> into = round == 0 ? new LinkedHashMap<>() : samples;
                    // The raw consumers' JVMs are new in the first round: warmed as long as prefork's new children
                    // (the one-at-a-time consumer less: at ~6k tasks/s that would take half a minute).
                    boolean first = round == (quick ? 1 : 0);
                    sample(into, PIPELINED, run(port, redisPid, n, first ? NEW_JVM_WARM_UP_ROUNDS * n : n / 10, RAW_PIPELINED_QUEUE));
                    sample(into, ONE_AT_A_TIME, run(port, redisPid, n, first ? 2 * n : n / 10, RAW_ONE_QUEUE));
                    for (Setup s : setups) {
                        if (s.prefetch() != prefetchNow) {
                            prefetch(felix.framework().getBundleContext(), s.prefetch());
                            prefetchNow = s.prefetch();
                        }
                        boolean swap = !s.pool().equals(poolNow) || s.concurrency() != concurrencyNow;
                        if (swap) {
                            worker.use(s.pool(), s.concurrency());
                            poolNow = s.pool();
                            concurrencyNow = s.concurrency();
                        }
                        sample(into, s.label(), run(port, redisPid, n, warmUp(swap, s.pool(), n), "celery"));
                    }
                }
            } finally {
                RawConsumer.stop(pipelined);
                RawConsumer.stop(oneAtATime);
            }
            if (only != null) {
                System.out.println("(-Dbench.only: Python Celery's rows are skipped)");
            } else if (pythonCelery()) {
                for (String pool : List.of("threads", "prefork")) {
                    Process celery = startCelery(url, pool, redis.dir());
                    try {
                        sample(samples, "Python Celery 5.2, " + pool + " c2, prefetch 4 x c", run(port, redisPid, n, "celery"));
                    } finally {
                        celery.destroy();
                        celery.waitFor(30, TimeUnit.SECONDS);
                    }
                }
            } else {
                System.out.println("(Python Celery not installed: its rows are skipped)");
            }
        }
        report(samples, setups, n, rounds, quick, only);
    }

    /**
     * A new JVM's warm-up, in rounds' worth of messages: prefork's new children and the raw consumers' JVMs.
     * The CPU a fresh pair of children spends per no-op task, in rounds of 20 000 tasks from their start
     * (scratch harness): 40, 16, 17, 9.5, 8, 9.5, 10, 5.5, 5, 6.5, 6, 5 µs — 160 000 tasks before it settles,
     * nearly all of it C2 at work; n/2 (10 000) had measured prefork through Redis on JIT-cold children.
     */
    private static final int NEW_JVM_WARM_UP_ROUNDS = 8;

    /**
     * Tasks run before a row is timed. After a swap the pool's workers are new: threads only need their code
     * compiled, which the worker's JVM already did, but prefork's are new JVMs. A swap back to prefork within
     * 10 s adopts the parked children, but the prefork rows of two rounds are further apart, so each round's
     * first prefork row gets new children.
     */
    private static int warmUp(boolean swap, String pool, int n) {
        return !swap ? n / 10 : pool.equals("prefork") ? NEW_JVM_WARM_UP_ROUNDS * n : n / 2;
    }

    private static void sample(Map<String, List<Round>> samples, String row, Round round) {
        samples.computeIfAbsent(row, k -> new ArrayList<>()).add(round);
    }

    /** The table, the targets of issue 16 with PASS/MISS, and {@code broker-(quick|full).json} for {@code --compare}. */
    private static void report(Map<String, List<Round>> samples, List<Setup> setups, int n, int rounds, boolean quick,
                               String only)
            throws IOException {
        Map<String, Spread> rows = new LinkedHashMap<>();
        samples.forEach((row, values) -> rows.put(row, Spread.of(values.stream().map(Round::tasksPerSecond).toList())));
        double pipelined = rows.get(PIPELINED).median();
        System.out.printf("%nTasks through Redis (add, %d messages, results in Celery's Redis backend format; median "
                + "(range) of %d interleaved rounds%s; CPU per task: medians, Redis's and the workers' side: this JVM's"
                + " (the worker's, with the benchmark's publisher and result listener) with its child processes (prefork"
                + " children, Celery's worker))%n%n", n, rounds, quick ? "" : " after a warm-up round");
        System.out.println("| consumer | tasks/s | vs raw pipelined | CPU µs/task: Redis, workers |");
        System.out.println("|---|---|---|---|");
        List<Result> results = new ArrayList<>();
        rows.forEach((row, spread) -> {
            List<Round> rs = samples.get(row);
            System.out.printf(Locale.ROOT, "| %s | %s | %.2fx | %.1f, %.1f |%n", row, spread.format(), spread.median() / pipelined,
                    Spread.of(rs.stream().map(Round::redisMicros).toList()).median(),
                    Spread.of(rs.stream().map(Round::jvmMicros).toList()).median());
            if (!row.equals(PIPELINED)) {
                results.add(new Result(row, "tasks/s", spread.median(), pipelined, "raw pipelined consumer", true, ""));
            }
        });
        System.out.println();
        Setup bestThreads = best(rows, setups, "threads");
        if (bestThreads != null) {
            double threads = rows.get(bestThreads.label()).median();
            target("threads through Redis (" + bestThreads.label() + ")", threads, 50_000, "tasks/s", threads >= 50_000);
            target("the same vs the raw pipelined consumer", threads / pipelined, 0.5, "x", threads / pipelined >= 0.5);
            Setup bestPrefork = best(rows, setups, "prefork");
            Spread threadsThere = bestPrefork == null ? null : rows.get(new Setup("threads", 2, bestPrefork.prefetch()).label());
            if (threadsThere != null) {
                double ratio = rows.get(bestPrefork.label()).median() / threadsThere.median();
                target("prefork vs threads through Redis (" + bestPrefork.label() + ")", ratio, 0.8, "x", ratio >= 0.8);
            }
        }
        if (only == null) {
            writeJson(results, quick ? "broker-quick.json" : "broker-full.json", quick);
        }
    }

    /** The fastest c2 setup of a pool by median, or {@code null} if none ran. */
    private static Setup best(Map<String, Spread> rows, List<Setup> setups, String pool) {
        return setups.stream().filter(s -> s.pool().equals(pool) && s.concurrency() == 2)
                .max(java.util.Comparator.comparingDouble(s -> rows.get(s.label()).median())).orElse(null);
    }

    private static void target(String what, double value, double goal, String unit, boolean met) {
        System.out.printf(Locale.ROOT, "%-4s %s: %s %s (target >= %s %s)%n", met ? "PASS" : "MISS", what,
                unit.equals("x") ? String.format(Locale.ROOT, "%.2f", value) : Spread.compact(value), unit,
                unit.equals("x") ? Double.toString(goal) : Spread.compact(goal), unit);
    }

    private static void writeJson(List<Result> results, String name, boolean quick) throws IOException {
        Path dir = Path.of("benchmarks/results");
        Files.createDirectories(dir);
        String json = "{\"when\":\"" + java.time.Instant.now() + "\",\"jdk\":\"" + Runtime.version() + "\",\"cpus\":"
                + Runtime.getRuntime().availableProcessors() + ",\"mode\":\"" + (quick ? "quick" : "full")
                + "\",\"results\":[\n" + results.stream().map(Result::json).collect(Collectors.joining(",\n")) + "\n]}\n";
        Files.writeString(dir.resolve(name), json);
        System.out.println("\nwritten: " + dir.resolve(name));
    }

    /**
     * Sets the broker's {@code prefetch.multiplier} through Config Admin, as a {@code .cfg} file in the deploy
     * folder would; the broker restarts with it (asynchronously: the next run's warm-up waits for it). Reflection: Config
     * Admin's API lives inside the framework.
     */
    private static void prefetch(BundleContext ctx, int multiplier) throws Exception {
        // getAll…: the launching class path has its own copy of the cm package, which plain lookups filter out.
        ServiceReference<?> ref = ctx.getAllServiceReferences("org.osgi.service.cm.ConfigurationAdmin", null)[0];
        Object admin = ctx.getService(ref);
        Object config = admin.getClass().getMethod("getConfiguration", String.class, String.class)
                .invoke(admin, "org.celeriac.broker.redis", "?");
        @SuppressWarnings("unchecked")
        Dictionary<String, Object> props = (Dictionary<String, Object>) config.getClass().getMethod("getProperties").invoke(config);
        props.put("prefetch.multiplier", multiplier);
        config.getClass().getMethod("update", Dictionary.class).invoke(config, props);
        ctx.ungetService(ref);
    }

    /**
     * One measured round of a row: its throughput, and the CPU Redis and this JVM spent per task meanwhile (the
     * JVM's with its child processes: a prefork worker's children, Celery's worker and its pool).
     */
    private record Round(double tasksPerSecond, double redisMicros, double jvmMicros) {
    }

    /** Warms up with n/10 tasks, then pushes n to {@code queue} and measures until the n-th result is published. */
    private static Round run(int port, long redisPid, int n, String queue) throws Exception {
        return run(port, redisPid, n, Math.max(200, n / 10), queue);
    }

    private static Round run(int port, long redisPid, int n, int warmUp, String queue) throws Exception {
        measure(port, warmUp, queue);
        List<long[]> cpu = new ArrayList<>(2); // Redis's, and this JVM's with its children, when the clock starts and stops
        long took = measure(port, n, queue,
                () -> cpu.add(new long[] {ProcessCpu.nanos(redisPid), ProcessCpu.selfAndDescendantsExcept(redisPid)}));
        return new Round(n / (took / 1e9), (cpu.get(1)[0] - cpu.get(0)[0]) / 1e3 / n, (cpu.get(1)[1] - cpu.get(0)[1]) / 1e3 / n);
    }

    static long measure(int port, int n, String queue) throws Exception {
        return measure(port, n, queue, () -> { });
    }

    /** Nanoseconds from the first push to the n-th result; {@code clock} runs at both ends, where the time is taken. */
    private static long measure(int port, int n, String queue, Runnable clock) throws Exception {
        CountDownLatch subscribed = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<JedisPubSub> sub = new AtomicReference<>();
        Thread listener = Thread.ofPlatform().daemon().start(() -> {
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                JedisPubSub s = new JedisPubSub() {
                    @Override
                    public void onPSubscribe(String pattern, int count) {
                        subscribed.countDown();
                    }

                    @Override
                    public void onPMessage(String pattern, String channel, String message) {
                        done.countDown();
                    }
                };
                sub.set(s);
                j.psubscribe(s, "celery-task-meta-*");
            }
        });
        subscribed.await();
        List<String> messages = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            messages.add(MessageEncoder.task(TaskRequest.of("add", i, i), queue, 0));
        }
        clock.run();
        long start = System.nanoTime();
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            Pipeline p = j.pipelined();
            messages.forEach(m -> p.lpush(queue, m));
            p.sync();
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("only " + (n - done.getCount()) + " of " + n + " results within 10 minutes");
        }
        long took = System.nanoTime() - start;
        clock.run();
        sub.get().punsubscribe();
        listener.join();
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            j.flushDB(); // results and bookkeeping; the next consumer starts clean (bindings are re-declared on start)
        }
        return took;
    }

    static boolean pythonCelery() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import celery, redis").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The Python Celery app both benchmarks start Celery's worker with: {@code bench_tasks.py} in {@code dir}. */
    static void writeCeleryApp(String url, Path dir) throws IOException {
        Files.writeString(dir.resolve("bench_tasks.py"), String.join("\n",
                "from celery import Celery",
                "app = Celery('bench', broker='" + url + "', backend='" + url + "')",
                "@app.task(name='add')",
                "def add(x, y):",
                "    return x + y", ""));
    }

    private static Process startCelery(String url, String pool, Path dir) throws Exception {
        writeCeleryApp(url, dir);
        Process p = new ProcessBuilder("/usr/bin/python3", "-m", "celery", "-A", "bench_tasks", "worker", "-P", pool,
                "-c", "2", "-Q", "celery", "-n", "celery-" + pool + "@bench", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "--loglevel=WARNING").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("celery-" + pool + ".log").toFile()).start();
        return p;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
