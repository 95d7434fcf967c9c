package org.celeriac.it;

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
 * A real {@code redis-server} for one test: started on a free loopback port with persistence off, in its own
 * temp dir, and killed on close. When Debian's {@code redis-server} is not installed the test is skipped with
 * a message saying so ({@code .ci/run} installs it; the test command installs nothing itself).
 */
final class RedisServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private RedisServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    static RedisServer start() throws IOException, InterruptedException {
        Path binary = executable();
        Assumptions.assumeTrue(binary != null, "redis-server is not installed (Debian package redis-server; "
                + ".ci/run installs it): skipping the Redis broker tests");
        Path dir = Files.createTempDirectory("celeriac-redis-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(List.of(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "yes"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        RedisServer server = new RedisServer(p, port, dir);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (;;) {
            try (Jedis j = server.client()) {
                if ("PONG".equals(j.ping())) {
                    return server;
                }
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    server.close();
                    throw new IllegalStateException("redis-server did not start on port " + port + ": "
                            + Files.readString(dir.resolve("redis.log")));
                }
                Thread.sleep(20); // polling with a deadline: the server is a separate process
            }
        }
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

    int port() {
        return port;
    }

    String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    Jedis client() {
        return new Jedis("127.0.0.1", port);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
