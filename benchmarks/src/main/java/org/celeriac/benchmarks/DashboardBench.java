package org.celeriac.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the dashboard costs the worker: tasks through Redis (the distribution, threads pool, concurrency 2)
 * without {@code --http}, with it but no page open, and with a page open (an event stream read as the page
 * reads it, and a Prometheus scrape every second). The three are interleaved, run after run, on one Redis;
 * each run warms the worker up, then measures three rounds; the median of the runs is reported. Target: with a page open at most 5 % slower than without --http.
 */
public final class DashboardBench {
    private static final int WARM_UP_ROUNDS = 3;
    private static final Path DISTRIBUTION = Path.of("launcher", "target", "celeriac", "bin", "celeriac").toAbsolutePath();

    private DashboardBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int runs = quick ? 1 : 3;
        int n = quick ? 2_000 : 20_000;
        if (!Files.isExecutable(BenchRedis.BINARY) || !Files.isExecutable(DISTRIBUTION)) {
            System.out.println("\nDashboardBench skipped: needs /usr/bin/redis-server and the distribution " + DISTRIBUTION);
            return;
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        List<String> modes = List.of("no --http", "--http, no page open", "--http, page open (event stream + /metrics every second)");
        modes.forEach(m -> rates.put(m, new ArrayList<>()));
        try (BenchRedis redis = BenchRedis.start("dashboard")) {
            for (int r = 0; r < runs; r++) {
                for (String mode : modes) {
                    rates.get(mode).add(once(redis.url(), redis.port(), n, mode.equals(modes.get(0)) ? null : BrokerBench.freePort(),
                            mode.equals(modes.get(2)), redis.dir()));
                }
            }
        }
        double base = Spread.of(rates.get(modes.get(0))).median();
        System.out.printf("%nWhat the dashboard costs (tasks through Redis, threads c2, %d tasks; median of %d)%n%n", n, runs);
        System.out.println("| worker | tasks/s (median) | range | vs no --http |");
        System.out.println("|---|---|---|---|");
        rates.forEach((mode, rs) -> {
            Spread s = Spread.of(rs);
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f–%.0f | %.3fx |%n", mode, s.median(), s.min(), s.max(), s.median() / base);
        });
        double open = Spread.of(rates.get(modes.get(2))).median() / base;
        System.out.printf(Locale.ROOT, "target: page open ≥ 0.95x of no --http: %.3fx %s%n", open, open >= 0.95 ? "PASS" : "MISS");
    }

    /** Starts the distribution, drains n tasks (after a warm-up), stops it; returns tasks/s. */
    private static double once(String url, int redisPort, int n, Integer httpPort, boolean pageOpen, Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DISTRIBUTION.toString(), "--no-shell", "--quiet", "--pool", "threads",
                "--concurrency", "2", "--broker", url, "--deploy-dir", Files.createDirectories(dir.resolve("deploy")).toString()));
        if (httpPort != null) {
            cmd.addAll(List.of("--http", Integer.toString(httpPort)));
        }
        Process worker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile()).start();
        List<Thread> page = new ArrayList<>();
        AtomicLong frames = new AtomicLong();
        try {
            awaitConsuming(worker, dir.resolve("worker.log"));
            if (pageOpen) {
                HttpClient client = HttpClient.newHttpClient();
                awaitHttp(client, httpPort);
                page.add(Thread.ofPlatform().daemon().start(() -> readEvents(client, httpPort, frames)));
                page.add(Thread.ofPlatform().daemon().start(() -> scrape(client, httpPort)));
            }
            // The JIT needs some 50 000 tasks before the rate settles (6k/s in the first 20 000, 13–16k/s after
            // 60 000 here): warm up on that many, then take the median of three rounds.
            for (int i = 0; i < WARM_UP_ROUNDS; i++) {
                BrokerBench.measure(redisPort, n, "celery");
            }
            List<Double> rounds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rounds.add(n / (BrokerBench.measure(redisPort, n, "celery") / 1e9));
            }
            return Spread.of(rounds).median();
        } finally {
            page.forEach(Thread::interrupt);
            worker.toHandle().destroy();
            if (!worker.waitFor(60, TimeUnit.SECONDS)) {
                worker.destroyForcibly();
            }
            if (pageOpen && frames.get() == 0) {
                throw new IllegalStateException("the page got no state from the event stream");
            }
        }
    }

    /**
     * Waits until the worker's HTTP endpoint answers: it comes up on its own bundle's schedule, which may be after
     * the worker consumes; a page that connected before it found nothing to read (one full run failed so).
     */
    private static void awaitHttp(HttpClient client, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (;;) {
            try {
                client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (java.net.ConnectException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the worker's HTTP endpoint did not answer on port " + port + " within 60 s");
                }
                Thread.sleep(50);
            }
        }
    }

    private static void awaitConsuming(Process worker, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("using pool")) { // tasks wait in Redis until it consumes
                return;
            }
            if (!worker.isAlive()) {
                throw new IllegalStateException("the worker exited: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the worker did not start its pool within 60 s: " + Files.readString(log));
    }

    private static void readEvents(HttpClient client, int port, AtomicLong frames) {
        try {
            HttpResponse<java.io.InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/events")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null && !Thread.currentThread().isInterrupted(); ) {
                    if (line.startsWith("data: ")) {
                        frames.incrementAndGet();
                    }
                }
            }
        } catch (Exception stopped) {
            // the worker stopped or the bench is done
        }
    }

    private static void scrape(HttpClient client, int port) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.discarding());
                Thread.sleep(1000);
            }
        } catch (Exception stopped) {
            // the worker stopped or the bench is done
        }
    }
}
