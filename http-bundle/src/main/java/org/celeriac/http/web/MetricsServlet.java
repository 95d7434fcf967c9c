package org.celeriac.http.web;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.celeriac.http.metrics.WorkerMetrics;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code GET /metrics}: the worker's metrics in Prometheus' text exposition format (version 0.0.4). */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/metrics",
        "osgi.http.whiteboard.servlet.name=celeriac-metrics"})
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient WorkerMetrics metrics;
    private final transient Access access;
    private final transient PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    @Activate
    public MetricsServlet(@Reference WorkerMetrics metrics, @Reference Access access) {
        this.metrics = metrics;
        this.access = access;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!access.readAllowed(req, resp)) {
            return;
        }
        resp.setStatus(200);
        resp.setContentType(writer.getContentType());
        writer.write(resp.getOutputStream(), metrics.registry().scrape(), EscapingScheme.ALLOW_UTF8);
    }
}
