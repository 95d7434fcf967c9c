package org.celeriac.http.web;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.celeriac.worker.api.Health;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /health/live} and {@code /health/ready}: 200 when the probe passes, 503 when not, with a JSON
 * body saying what is wrong. Open without the token, as Kubernetes' probes are: they tell nothing secret.
 */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/health/*",
        "osgi.http.whiteboard.servlet.name=celeriac-health"})
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Health health;

    @Activate
    public HealthServlet(@Reference Health health) {
        this.health = health;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String probe = String.valueOf(req.getPathInfo());
        Health.Report r = switch (probe) {
            case "/live" -> health.live();
            case "/ready" -> health.ready();
            default -> null;
        };
        if (r == null) {
            Responses.error(resp, 404, "no such probe: /health" + probe + " (there are /health/live and /health/ready)");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", r.ok() ? "UP" : "DOWN");
        body.put("problems", r.problems());
        body.put("pool", r.pool());
        body.put("brokers", r.brokers());
        Responses.json(resp, r.ok() ? 200 : 503, body);
    }
}
