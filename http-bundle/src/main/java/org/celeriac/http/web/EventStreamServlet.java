package org.celeriac.http.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.celeriac.http.metrics.WorkerMetrics;
import org.celeriac.pool.json.Json;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /api/events}: server-sent events, one {@code state} event (what {@code /api/state} answers)
 * every second, and at once when a pool is swapped or a worker comes or goes. One thread of its own builds
 * each state once for every open page, and only while a page is open; a page that went away is dropped at
 * its next write.
 */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/api/events",
        "osgi.http.whiteboard.servlet.name=celeriac-events", "osgi.http.whiteboard.servlet.asyncSupported=true"})
public final class EventStreamServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final long PERIOD_MILLIS = 1000;
    private static final long CHECK_MILLIS = 100;

    private final transient Access access;
    private final transient WorkerMetrics metrics;
    private final transient DashboardState state;
    private final transient List<AsyncContext> clients = new CopyOnWriteArrayList<>();
    private final transient ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "celeriac-http-events");
        t.setDaemon(true);
        return t;
    });
    private transient volatile long lastPush;
    private transient Object lastEvent;

    @Activate
    public EventStreamServlet(@Reference Worker worker, @Reference WorkerMetrics metrics, @Reference Access access, BundleContext context) {
        this.access = access;
        this.metrics = metrics;
        this.state = new DashboardState(worker, metrics, context);
        ticker.scheduleWithFixedDelay(this::tick, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        ticker.shutdownNow();
        for (AsyncContext c : clients) {
            c.complete();
        }
        clients.clear();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!access.readAllowed(req, resp)) {
            return;
        }
        resp.setContentType("text/event-stream;charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Accel-Buffering", "no");
        AsyncContext ctx = req.startAsync();
        ctx.setTimeout(0);
        resp.getWriter().write("retry: 2000\n\n");
        resp.flushBuffer();
        clients.add(ctx);
        lastPush = 0; // the new page gets a state at once
    }

    /** Pushes a state when a second has passed or something happened to the pools; only with pages open. */
    private void tick() {
        if (clients.isEmpty()) {
            return;
        }
        try {
            List<?> events = metrics.events();
            Object newest = events.isEmpty() ? null : events.get(0);
            long now = System.currentTimeMillis();
            if (now - lastPush < PERIOD_MILLIS && Objects.equals(newest, lastEvent)) {
                return;
            }
            lastPush = now;
            lastEvent = newest;
            String frame = "event: state\ndata: " + Json.write(state.build()) + "\n\n";
            for (AsyncContext c : clients) {
                if (!write(c, frame)) {
                    clients.remove(c);
                }
            }
        } catch (RuntimeException e) {
            System.getLogger(EventStreamServlet.class.getName()).log(System.Logger.Level.WARNING, "dashboard event stream: " + e, e);
        }
    }

    private static boolean write(AsyncContext c, String frame) {
        try {
            PrintWriter w = c.getResponse().getWriter();
            w.write(frame);
            w.flush();
            if (w.checkError()) {
                c.complete();
                return false;
            }
            return true;
        } catch (IOException | RuntimeException gone) {
            try {
                c.complete();
            } catch (RuntimeException ignored) {
                // already completed by the container
            }
            return false;
        }
    }
}
