package org.celeriac.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A throw-away {@code redis-server} for one benchmark: on a free loopback port, no persistence, with a temp
 * folder for its log and the benchmark's own files (Celery's app and logs). {@link #close()} stops it and
 * removes the folder: a run leaves nothing behind.
 */
record BenchRedis(Process process, Path dir, int port) implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/redis-server");

    /** Starts one and waits until it answers; {@code name} tags its temp folder. */
    static BenchRedis start(String name) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("celeriac-bench-" + name + "-");
        int port = BrokerBench.freePort();
        Process redis = new ProcessBuilder(BINARY.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        BenchRedis started = new BenchRedis(redis, dir, port);
        try {
            awaitAnswer(port);
        } catch (RuntimeException | InterruptedException e) {
            started.close();
            throw e;
        }
        return started;
    }

    String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    private static void awaitAnswer(int port) throws InterruptedException {
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

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
