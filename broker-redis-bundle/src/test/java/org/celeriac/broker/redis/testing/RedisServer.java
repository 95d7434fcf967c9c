package org.celeriac.broker.redis.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.Jedis;

/**
 * A real {@code redis-server} for one test: started on a free loopback port with an append-only file, in its own
 * temp dir, and killed on close. When Debian's {@code redis-server} is not installed the test is skipped with
 * a message saying so ({@code .ci/run} installs it; the test command installs nothing itself).
 */
public final class RedisServer implements AutoCloseable {
    private final Path binary;
    private final int port;
    private final Path dir;
    private final boolean durable;
    private final String password;
    private Process process;

    private RedisServer(Path binary, int port, Path dir, boolean durable, String password) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.durable = durable;
        this.password = password;
    }

    /** A server without persistence: fast, and gone with its process. */
    public static RedisServer start() throws IOException, InterruptedException {
        return start(false, null);
    }

    /** A server that requires {@code password} ({@code requirepass}); {@link #url()} and {@link #client()} carry it. */
    public static RedisServer startWithPassword(String password) throws IOException, InterruptedException {
        return start(false, password);
    }

    /**
     * A server whose every write is on disk before it is acknowledged ({@code appendfsync always}), so
     * {@link #crash()} and {@link #restart()} lose nothing, as a production Redis with an AOF would.
     */
    public static RedisServer startDurable() throws IOException, InterruptedException {
        return start(true, null);
    }

    private static RedisServer start(boolean durable, String password) throws IOException, InterruptedException {
        Path binary = executable();
        Assumptions.assumeTrue(binary != null, "redis-server is not installed (Debian package redis-server; "
                + ".ci/run installs it): skipping the Redis broker tests");
        Path dir = Files.createTempDirectory("celeriac-redis-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer server = new RedisServer(binary, port, dir, durable, password);
        server.launch();
        return server;
    }

    /** Starts the server process and waits until it answers. */
    private void launch() throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", durable ? "yes" : "no", "--appendfsync", "always",
                "--dir", dir.toString(), "--protected-mode", "yes"));
        if (password != null) {
            cmd.addAll(List.of("--requirepass", password));
        }
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (;;) {
            try (Jedis j = client()) {
                if ("PONG".equals(j.ping())) {
                    return;
                }
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    String log = Files.readString(dir.resolve("redis.log"));
                    close();
                    throw new IllegalStateException("redis-server did not start on port " + port + ": " + log);
                }
                Thread.sleep(20); // polling with a deadline: the server is a separate process
            }
        }
    }

    /** Kills the server with SIGKILL (clients see their connections drop) and waits until it is gone. */
    public void crash() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts it again on the same port with the same data. */
    public void restart() throws IOException, InterruptedException {
        launch();
    }

    private static Path executable() {
        for (String dir : (System.getenv("PATH") + ":/usr/bin:/usr/sbin").split(":")) {
            Path p = Paths.get(dir, "redis-server");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://" + (password == null ? "" : ":" + password + "@") + "127.0.0.1:" + port + "/0";
    }

    public Jedis client() {
        Jedis j = new Jedis("127.0.0.1", port);
        if (password != null) {
            j.auth(password);
        }
        return j;
    }

    /**
     * Subscribes to every result Celery's Redis backend publishes ({@code celery-task-meta-*}) and hands each
     * (channel, value) to {@code onResult} on a daemon thread; returns once subscribed. A task that ran twice
     * would publish twice. The thread ends when the server goes away.
     */
    public Thread subscribeToResults(java.util.function.BiConsumer<String, String> onResult) throws InterruptedException {
        java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (Jedis sub = client()) {
                sub.psubscribe(new redis.clients.jedis.JedisPubSub() {
                    @Override
                    public void onPSubscribe(String pattern, int count) {
                        subscribed.countDown();
                    }

                    @Override
                    public void onPMessage(String pattern, String channel, String message) {
                        onResult.accept(channel, message);
                    }
                }, "celery-task-meta-*");
            } catch (RuntimeException serverGone) {
                // the end of the test
            }
        }, "result-listener");
        t.setDaemon(true);
        t.start();
        if (!subscribed.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no result subscription within 10 s");
        }
        return t;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null) {
            crash();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
