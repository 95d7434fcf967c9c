package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP endpoint as Prometheus, a probe, an operator's script and an attacker's page meet it: the
 * distribution in a JVM of its own, with --http.
 */
class DashboardIT {
    @TempDir
    Path deploy;

    @Test
    void withoutHttpNothingListens() throws Exception {
        try (HttpWorker w = HttpWorker.start(0, Map.of(), "--no-shell", "--deploy-dir", deploy.toString(), "--pool", "threads")) {
            assertEquals(Set.of(), HttpWorker.listeningPorts(w.pid()), "no port is open without --http:\n" + w.output());
            assertFalse(w.output().contains(".> http:"), "the banner names no endpoint");
        }
    }

    @Test
    void theShellAnswersWhatTheProbesAnswer() throws Exception {
        int port = HttpWorker.freePort();
        try (HttpWorker w = HttpWorker.start(port, Map.of(), "--no-shell", "--deploy-dir", deploy.toString(), "--pool", "solo",
                "--http", Integer.toString(port), "-c", "celeriac:health")) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!w.output().contains("brokers:") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            String out = w.output();
            assertTrue(out.contains("live:    yes\nready:   yes\npool:    solo RUN\nbrokers: none"), out);
            JsonNode ready = HttpWorker.json(w.get("/health/ready"));
            assertEquals("UP", ready.path("status").asText());
            assertEquals("solo RUN", ready.path("pool").asText());
            assertEquals(200, w.get("/health/live").statusCode());
            assertEquals(404, w.get("/health/nosuch").statusCode());
        }
    }

    @Test
    void anEndpointBeyondLoopbackNeedsAToken() throws Exception {
        int port = HttpWorker.freePort();
        Process refused = new ProcessBuilder(Distribution.command("--no-shell", "--deploy-dir", deploy.toString(),
                "--http", "0.0.0.0:" + port)).redirectErrorStream(true).start();
        String said = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, refused.exitValue(), said);
        assertTrue(said.contains("would listen beyond this machine") && said.contains("CELERIAC_HTTP_TOKEN"), said);

        String token = "s3cret-" + System.nanoTime();
        try (HttpWorker w = HttpWorker.start(port, Map.of("CELERIAC_HTTP_TOKEN", token), "--no-shell", "--deploy-dir",
                deploy.toString(), "--pool", "threads", "--http", "0.0.0.0:" + port)) {
            assertEquals(Set.of(port), HttpWorker.listeningPorts(w.pid()));
            assertEquals(403, w.get("/metrics").statusCode(), "a scrape without the token");
            assertEquals(403, w.get("/api/state", "Authorization", "Bearer wrong").statusCode());
            assertEquals(200, w.get("/metrics", "Authorization", "Bearer " + token).statusCode());
            assertEquals(200, w.get("/health/ready").statusCode(), "probes need no token");
            assertTrue(HttpWorker.json(w.get("/api/session")).path("token").isNull(), "the configured token is never handed out");
            assertEquals(403, w.post("/api/use", Map.of("pool", "green")).statusCode());
            assertEquals("threads RUN", HttpWorker.json(w.get("/health/ready")).path("pool").asText(), "the refused POST changed nothing");
            assertEquals(200, w.post("/api/use", Map.of("pool", "green"), "X-Celeriac-Token", token).statusCode());
            assertEquals("green RUN", HttpWorker.json(w.get("/health/ready")).path("pool").asText());
            assertFalse(w.output().contains(token), "the token is never logged");
        }
    }

    @Test
    void metricsAddUpAfterAThousandTasksAndRefusedChangesChangeNothing() throws Exception {
        Assumptions.assumeTrue(pythonPrometheusParser(), "Debian's python3-prometheus-client is not installed "
                + "(.ci/run installs it): skipping the exposition-format check");
        int port = HttpWorker.freePort();
        try (HttpWorker w = HttpWorker.start(port, Map.of(), "--no-shell", "--deploy-dir", deploy.toString(),
                "--pool", "threads", "--concurrency", "4", "--http", Integer.toString(port))) {
            JsonNode ready = HttpWorker.json(w.get("/health/ready"));
            assertEquals("UP", ready.path("status").asText(), ready.toString());
            assertEquals(Set.of(port), HttpWorker.listeningPorts(w.pid()), "only the HTTP port");
            String token = w.sessionToken();
            assertEquals(64, token.length(), "a loopback endpoint makes its own token for the page");

            // Changes without the token, or from another page, are refused and change nothing.
            HttpResponse<String> refused = w.post("/api/send", Map.of("task", "add", "args", List.of(1, 2)));
            assertEquals(403, refused.statusCode());
            // The body was never read: the server closes the connection and says so, or the client would send
            // its next request on a connection the server drops (a POST is not retried).
            assertEquals(java.util.Optional.of("close"), refused.headers().firstValue("connection"));
            assertEquals(403, w.post("/api/use", Map.of("pool", "green"), "X-Celeriac-Token", "0".repeat(64)).statusCode());
            assertEquals(403, w.post("/api/use", Map.of("pool", "green"), "X-Celeriac-Token", token,
                    "Origin", "http://evil.example").statusCode());
            assertEquals(404, w.get("/api/use?pool=green").statusCode(), "a GET is never a change");
            assertEquals("threads RUN", HttpWorker.json(w.get("/health/ready")).path("pool").asText());
            // A page of another site whose name resolves here (DNS rebinding) gets neither the state nor the token.
            assertTrue(rawGet(port, "/api/session", "evil.example:" + port).contains("\"token\":null"));
            assertTrue(rawGet(port, "/api/state", "evil.example:" + port).startsWith("HTTP/1.1 403"));

            int ok = 900;
            int failing = 100;
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < ok + failing; i++) {
                Map<String, Object> task = i < ok ? Map.of("task", "add", "args", List.of(i, 1)) : Map.of("task", "fail", "args", List.of("no " + i));
                HttpResponse<String> r = w.post("/api/send", task, "X-Celeriac-Token", token);
                assertEquals(200, r.statusCode(), r.body());
                ids.add(HttpWorker.json(r).path("id").asText());
            }
            assertEquals(ok + failing, ids.stream().distinct().count());
            JsonNode samples = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                samples = w.metrics();
                if (HttpWorker.sum(samples, "celeriac_tasks_succeeded_total", Map.of()) + HttpWorker.sum(samples, "celeriac_tasks_failed_total", Map.of()) >= ok + failing) {
                    break;
                }
                Thread.sleep(200);
            }
            Map<String, String> threads = Map.of("pool", "threads");
            assertEquals(ok + failing, HttpWorker.sum(samples, "celeriac_tasks_received_total", threads), "received: the refused POST is not counted");
            assertEquals(ok, HttpWorker.sum(samples, "celeriac_tasks_succeeded_total", Map.of("pool", "threads", "task", "add")));
            assertEquals(failing, HttpWorker.sum(samples, "celeriac_tasks_failed_total", Map.of("pool", "threads", "task", "fail")));
            assertEquals(0, HttpWorker.sum(samples, "celeriac_tasks_retried_total", Map.of()));
            double count = HttpWorker.sum(samples, "celeriac_task_runtime_seconds_count", threads);
            assertEquals(ok + failing, count, "every task that ran has a run time");
            assertEquals(count, HttpWorker.sum(samples, "celeriac_task_runtime_seconds_bucket", Map.of("pool", "threads", "le", "+Inf")));
            assertTrue(HttpWorker.sum(samples, "celeriac_task_runtime_seconds_sum", threads) > 0);
            assertEquals(0, HttpWorker.sum(samples, "celeriac_tasks_active", threads));
            assertEquals(0, HttpWorker.sum(samples, "celeriac_tasks_queued", threads));
            assertEquals(4, HttpWorker.sum(samples, "celeriac_pool_concurrency", threads));
            // The worker's own statistics agree with the counters.
            JsonNode stats = HttpWorker.json(w.get("/api/state")).path("stats");
            assertEquals(ok, stats.path("completed").asLong(), stats.toString());
            assertEquals(failing, stats.path("failed").asLong(), stats.toString());

            // Task names from senders are bounded as labels: unknown names beyond the first 500 are "other".
            for (int i = 0; i < 600; i++) {
                assertEquals(200, w.post("/api/send", Map.of("task", "nosuch-" + i), "X-Celeriac-Token", token).statusCode());
            }
            samples = w.metrics();
            java.util.Set<String> names = new java.util.HashSet<>();
            samples.forEach(x -> {
                if (x.path("name").asText().equals("celeriac_tasks_received_total")) {
                    names.add(x.path("labels").path("task").asText());
                }
            });
            assertEquals(501, names.size(), "500 task names, then \"other\": " + names.size());
            assertTrue(names.contains("other") && names.contains("add") && names.contains("fail"), names.toString());
            assertEquals(ok + failing + 600, HttpWorker.sum(samples, "celeriac_tasks_received_total", threads), "nothing is lost to the bound");

            // A hot-swap is counted, with where it came from.
            assertEquals(200, w.post("/api/use", Map.of("pool", "green"), "X-Celeriac-Token", token).statusCode());
            samples = w.metrics();
            assertEquals(1, HttpWorker.sum(samples, "celeriac_pool_swaps_total", Map.of("from", "threads", "to", "green")));
            // Bad input is refused with a clear message.
            HttpResponse<String> bad = w.post("/api/use", Map.of("pool", "nosuch"), "X-Celeriac-Token", token);
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("nosuch") && bad.body().contains("threads"), bad.body());
            assertEquals(400, w.post("/api/send", Map.of("task", "add", "args", "not a list"), "X-Celeriac-Token", token).statusCode());
        }
    }

    private static boolean pythonPrometheusParser() throws Exception {
        return Files.isExecutable(Path.of("/usr/bin/python3"))
                && new ProcessBuilder("/usr/bin/python3", "-c", "import prometheus_client.parser").start().waitFor() == 0;
    }

    /** A GET with a Host header of our choosing (which java.net.http will not send). */
    private static String rawGet(int port, String path, String host) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
