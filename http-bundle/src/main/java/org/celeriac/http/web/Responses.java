package org.celeriac.http.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.celeriac.pool.json.Json;

/** JSON answers, and refusals that say why. */
final class Responses {
    private Responses() {
    }

    static void json(HttpServletResponse resp, int status, Object value) throws IOException {
        byte[] body = Json.write(value).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/json;charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    static void error(HttpServletResponse resp, int status, String message) throws IOException {
        json(resp, status, Map.of("error", message));
    }
}
