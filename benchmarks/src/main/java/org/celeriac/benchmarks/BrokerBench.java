package org.celeriac.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;

/**
 * Tasks through a real {@code redis-server}, end to end: N {@code add} messages in Celery's protocol 2 are
 * pushed to the {@code celery} queue and the clock stops at the N-th result published by the result backend.
 *
 * <ul>
 *   <li><b>raw</b>: the least a consumer can do in Java — one thread, {@code BRPOP}, decode, add,
 *       {@code SETEX}+{@code PUBLISH} the result; no acknowledgement, no safety (a crash loses the message).</li>
 *   <li><b>Celeriac</b>: the distribution's bundles in Felix with the Redis broker (atomic take, atomic
 *       result+ack, prefetch 4 x concurrency) on the threads and prefork pools, concurrency 2.</li>
 *   <li><b>Celery</b>: Debian's Python Celery worker on the same Redis, threads and prefork pools, concurrency 2,
 *       when {@code python3-celery} is installed.</li>
 * </ul>
 * Skipped, saying so, when {@code redis-server} is not installed.
 */
public final class BrokerBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BrokerBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int n = quick ? 2_000 : 20_000;
        Path binary = Path.of("/usr/bin/redis-server");
        if (!Files.isExecutable(binary)) {
            System.out.println("\nBrokerBench skipped: redis-server is not installed (Debian package redis-server)");
            return;
        }
        Path dir = Files.createTempDirectory("celeriac-bench-redis-");
        int port = freePort();
        Process redis = startRedis(dir, port);
        String url = "redis://127.0.0.1:" + port + "/0";
        try {
            Map<String, Double> rates = new java.util.LinkedHashMap<>();
            rates.put("raw Java consumer (BRPOP + SETEX, no ack), 1 thread", run(port, n, () -> rawConsumer(port, n)));
            Framework felix = startCeleriac(url);
            Worker worker = awaitWorker(felix.getBundleContext());
            for (String pool : List.of("threads", "prefork")) {
                worker.use(pool, 2);
                rates.put("Celeriac, " + pool + " pool, concurrency 2", run(port, n, null));
            }
            felix.stop();
            felix.waitForStop(60_000);
            if (pythonCelery()) {
                for (String pool : List.of("threads", "prefork")) {
                    Process celery = startCelery(url, pool, dir);
                    try {
                        rates.put("Python Celery 5.2, " + pool + " pool, concurrency 2", run(port, n, null));
                    } finally {
                        celery.destroy();
                        celery.waitFor(30, TimeUnit.SECONDS);
                    }
                }
            } else {
                System.out.println("(Python Celery not installed: its rows are skipped)");
            }
            double raw = rates.values().iterator().next();
            System.out.printf("%nTasks through Redis (add, %d messages, results in Celery's Redis backend format)%n%n", n);
            System.out.println("| consumer | tasks/s | vs raw |");
            System.out.println("|---|---|---|");
            rates.forEach((name, rate) -> System.out.printf("| %s | %.0f | %.2fx |%n", name, rate, rate / raw));
        } finally {
            redis.destroyForcibly();
            redis.waitFor(10, TimeUnit.SECONDS);
            deleteTree(dir);
        }
    }

    /** Removes a benchmark's temp folder (Redis's log, Celery's app and logs): a run leaves nothing behind. */
    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** Warms up with n/10 tasks, then pushes n and returns tasks/s until the n-th result is published. */
    private static double run(int port, int n, Runnable consumer) throws Exception {
        Thread t = consumer == null ? null : Thread.ofPlatform().name("raw-consumer").start(consumer);
        try {
            measure(port, Math.max(200, n / 10));
            return n / (measure(port, n) / 1e9);
        } finally {
            if (t != null) {
                t.interrupt();
                t.join();
            }
        }
    }

    static long measure(int port, int n) throws Exception {
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
            messages.add(MessageEncoder.task(TaskRequest.of("add", i, i), "celery", 0));
        }
        long start = System.nanoTime();
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            Pipeline p = j.pipelined();
            messages.forEach(m -> p.lpush("celery", m));
            p.sync();
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("only " + (n - done.getCount()) + " of " + n + " results within 10 minutes");
        }
        long took = System.nanoTime() - start;
        sub.get().punsubscribe();
        listener.join();
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            j.flushDB(); // results and bookkeeping; the next consumer starts clean (bindings are re-declared on start)
        }
        return took;
    }

    private static void rawConsumer(int port, int n) {
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            while (!Thread.currentThread().isInterrupted()) {
                List<String> popped = j.brpop(1, "celery");
                if (popped == null || popped.isEmpty()) {
                    continue;
                }
                JsonNode envelope = JSON.readTree(popped.get(1));
                String id = envelope.at("/headers/id").asText();
                JsonNode body = JSON.readTree(Base64.getDecoder().decode(envelope.get("body").asText()));
                long sum = 0;
                for (JsonNode a : body.get(0)) {
                    sum += a.asLong();
                }
                String meta = "{\"status\": \"SUCCESS\", \"result\": " + sum + ", \"traceback\": null, \"children\": [], "
                        + "\"date_done\": \"" + java.time.Instant.now() + "\", \"task_id\": \"" + id + "\"}";
                Pipeline p = j.pipelined();
                p.setex("celery-task-meta-" + id, 86400, meta);
                p.publish("celery-task-meta-" + id, meta);
                p.sync();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (RuntimeException closed) {
            if (!Thread.currentThread().isInterrupted()) {
                throw closed;
            }
        }
    }

    private static Framework startCeleriac(String url) throws Exception {
        Path storage = Files.createTempDirectory("celeriac-bench-felix-");
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "org.celeriac.pool.api;version=1.4.0,"
                + "org.celeriac.pool.spi;version=1.1.0,org.celeriac.worker.api;version=1.4.0");
        config.put("felix.fileinstall.dir", storage.resolve("deploy").toString());
        config.put("celeriac.worker.pool", "threads");
        config.put("celeriac.worker.concurrency", "2");
        config.put("celeriac.broker.url", url); // what the launcher's --broker sets
        config.put("celeriac.broker.hostname", "celeriac@bench");
        Framework felix = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(config);
        felix.start();
        BundleContext ctx = felix.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        try (Stream<Path> jars = Files.list(Path.of("launcher/target/celeriac/bundle"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar") && !p.toString().contains("gogo.jline")).sorted().toList()) {
                installed.add(ctx.installBundle(jar.toUri().toString()));
            }
        }
        for (Bundle b : installed) {
            b.start();
        }
        return felix;
    }

    private static Worker awaitWorker(BundleContext ctx) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            ServiceReference<Worker> ref = ctx.getServiceReference(Worker.class);
            if (ref != null && ctx.getService(ref).activePool().isPresent()) {
                return ctx.getService(ref);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no worker with an active pool within 30 s");
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

    /** A throw-away redis-server on {@code port} of loopback, no persistence, its log in {@code dir}; then waits for it. */
    static Process startRedis(Path dir, int port) throws IOException, InterruptedException {
        Process redis = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        try {
            awaitRedis(port);
        } catch (RuntimeException | InterruptedException e) {
            redis.destroyForcibly();
            throw e;
        }
        return redis;
    }

    private static void awaitRedis(int port) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                j.ping();
                return;
            } catch (RuntimeException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
