package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The distribution run with an HTTP endpoint, and a client for it: what a browser, Prometheus or a probe sends. */
final class HttpWorker implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final StringBuilder output = new StringBuilder();
    private final HttpClient client = HttpClient.newHttpClient();
    final int port;

    private HttpWorker(Process process, int port) {
        this.process = process;
        this.port = port;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                }
            } catch (IOException gone) {
                // the process ended
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** Starts the worker with {@code args} and {@code env}, and waits for its "ready." line. */
    static HttpWorker start(int port, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Distribution.command(args)).redirectErrorStream(true);
        pb.environment().putAll(env);
        HttpWorker w = new HttpWorker(pb.start(), port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!w.output().contains(" ready.")) {
            assertTrue(w.process.isAlive(), "the worker exited with " + (w.process.isAlive() ? "" : w.process.exitValue()) + ":\n" + w.output());
            assertTrue(System.nanoTime() < deadline, "the worker did not say it is ready within 60 s:\n" + w.output());
            Thread.sleep(50);
        }
        return w;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    long pid() {
        return process.pid();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, Object body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).header("Content-Type", "application/json");
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** The dashboard's token, as the page gets it from a loopback endpoint without a configured token. */
    String sessionToken() throws Exception {
        return json(get("/api/session")).path("token").asText();
    }

    /** Every sample of {@code /metrics}, parsed by the Prometheus project's Python parser. */
    JsonNode metrics(String... headers) throws Exception {
        HttpResponse<String> r = get("/metrics", headers);
        assertTrue(r.statusCode() == 200, "GET /metrics: " + r.statusCode() + " " + r.body());
        Process p = new ProcessBuilder("/usr/bin/python3", PythonCeleryIT.resource("/parse_metrics.py").toString()).start();
        try (var in = p.getOutputStream()) {
            in.write(r.body().getBytes(StandardCharsets.UTF_8));
        }
        String parsed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor() == 0, "the Prometheus parser refused /metrics: " + err + "\n" + r.body());
        return JSON.readTree(parsed);
    }

    /** The sum of the samples named {@code name} whose labels include {@code labels}. */
    static double sum(JsonNode samples, String name, Map<String, String> labels) {
        double total = 0;
        for (JsonNode s : samples) {
            if (s.path("name").asText().equals(name)
                    && labels.entrySet().stream().allMatch(e -> e.getValue().equals(s.path("labels").path(e.getKey()).asText()))) {
                total += s.path("value").asDouble();
            }
        }
        return total;
    }

    /** TCP ports the process listens on (IPv4 and IPv6), from its sockets and /proc/net. */
    static Set<Integer> listeningPorts(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor went away while listing
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = new ArrayList<>(Files.readAllLines(Path.of(table)));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
                    ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    @Override
    public void close() throws Exception {
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
