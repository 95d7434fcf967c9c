package org.celeriac.http.web;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.celeriac.http.metrics.WorkerMetrics;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.json.Json;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The dashboard's API. {@code GET /api/state}: the worker as the page shows it; {@code GET /api/session}:
 * the page's token (see {@link Access}); {@code POST /api/use|grow|shrink|restart|terminate|send} with a
 * JSON body: the shell's {@code celeriac:use}, {@code grow}, {@code shrink}, {@code restart},
 * {@code terminate} and {@code send}. Every answer is JSON; a refusal says why.
 */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/api/*",
        "osgi.http.whiteboard.servlet.name=celeriac-api"})
public final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final int MAX_BODY = 256 * 1024;

    private final transient Worker worker;
    private final transient Access access;
    private final transient DashboardState state;

    @Activate
    public ApiServlet(@Reference Worker worker, @Reference WorkerMetrics metrics, @Reference Access access, BundleContext context) {
        this.worker = worker;
        this.access = access;
        this.state = new DashboardState(worker, metrics, context);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = String.valueOf(req.getPathInfo());
        if (path.equals("/session")) {
            String token = access.sessionToken(req);
            Map<String, Object> session = new HashMap<>();
            session.put("tokenRequired", access.tokenConfigured());
            session.put("token", token);
            Responses.json(resp, 200, session);
            return;
        }
        if (!access.readAllowed(req, resp)) {
            return;
        }
        if (path.equals("/state")) {
            Responses.json(resp, 200, state.build());
        } else {
            Responses.error(resp, 404, "no such resource: /api" + path);
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String denied = access.denyWrite(req);
        if (denied != null) {
            refuseUnread(resp, 403, denied);
            return;
        }
        Map<String, Object> body;
        try {
            body = readBody(req);
        } catch (IllegalArgumentException e) {
            refuseUnread(resp, 400, e.getMessage());
            return;
        }
        String action = String.valueOf(req.getPathInfo());
        try {
            Object answer = switch (action) {
                case "/use" -> {
                    worker.use(string(body, "pool"), integer(body, "concurrency", 0));
                    yield Map.of("active", worker.activePool().orElse(""));
                }
                case "/grow" -> {
                    worker.grow(integer(body, "n", 1));
                    yield Map.of("concurrency", worker.stats().concurrency());
                }
                case "/shrink" -> {
                    worker.shrink(integer(body, "n", 1));
                    yield Map.of("concurrency", worker.stats().concurrency());
                }
                case "/restart" -> {
                    worker.restart();
                    yield Map.of("active", worker.activePool().orElse(""));
                }
                case "/terminate" -> Map.of("terminated", worker.terminate(string(body, "id")));
                case "/send" -> send(body);
                default -> null;
            };
            if (answer == null) {
                Responses.error(resp, 404, "no such action: " + action);
            } else {
                Responses.json(resp, 200, answer);
            }
        } catch (IllegalArgumentException | UnsupportedOperationException | IllegalStateException e) {
            Responses.error(resp, 400, e.getMessage());
        } catch (RuntimeException e) {
            Responses.error(resp, 500, e.toString());
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> send(Map<String, Object> body) {
        Object args = body.getOrDefault("args", List.of());
        Object kwargs = body.getOrDefault("kwargs", Map.of());
        if (!(args instanceof List<?>) || !(kwargs instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("args must be a JSON array and kwargs a JSON object");
        }
        TaskHandle h = worker.submit(TaskRequest.builder(string(body, "task")).args((List<Object>) args)
                .kwargs((Map<String, Object>) kwargs).build());
        return Map.of("id", h.taskId());
    }

    /**
     * Refuses a change whose body was not read (or not to its end), and closes the connection after the answer,
     * saying so: the server cannot skip an unread body safely, and a client told nothing would send its next
     * request on a connection the server then drops (the JDK's HttpClient failed such a POST with "header
     * parser received no bytes").
     */
    private static void refuseUnread(HttpServletResponse resp, int status, String message) throws IOException {
        resp.setHeader("Connection", "close");
        Responses.error(resp, status, message);
    }

    private static Map<String, Object> readBody(HttpServletRequest req) throws IOException {
        if (req.getContentLengthLong() > MAX_BODY) {
            throw new IllegalArgumentException("the request body is larger than " + MAX_BODY + " bytes");
        }
        byte[] bytes;
        try (InputStream in = req.getInputStream()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new IllegalArgumentException("the request body is larger than " + MAX_BODY + " bytes");
        }
        if (bytes.length == 0) {
            return Map.of();
        }
        try {
            return Json.readObject(bytes, "the request body");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the request body is not a JSON object: " + e.getMessage());
        }
    }

    private static String string(Map<String, Object> body, String key) {
        Object v = body.get(key);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException("'" + key + "' is required (a string)");
        }
        return s.strip();
    }

    private static int integer(Map<String, Object> body, String key, int dflt) {
        Object v = body.get(key);
        if (v == null || "".equals(v)) {
            return dflt;
        }
        if (v instanceof Number n && n.doubleValue() == n.intValue()) {
            return n.intValue();
        }
        if (v instanceof String s && s.strip().matches("-?\\d{1,9}")) {
            return Integer.parseInt(s.strip());
        }
        throw new IllegalArgumentException("'" + key + "' must be a whole number, was " + v);
    }
}
