package org.celeriac.http.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.celeriac.http.metrics.Throughput;
import org.celeriac.http.metrics.WorkerMetrics;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.PoolUnavailableException;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.BrokerStats;
import org.celeriac.worker.api.PoolDescriptor;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The dashboard's view of the worker as one JSON-ready value (maps, lists, strings, numbers): served by
 * {@code GET /api/state} and pushed by the event stream. Built from the worker's and the metrics' own figures.
 */
final class DashboardState {
    /** Seconds of the chart, and how many recent tasks are listed. */
    static final int CHART_SECONDS = 300;
    private static final int RECENT_TASKS = 25;

    private final Worker worker;
    private final WorkerMetrics metrics;
    private final BundleContext context;

    DashboardState(Worker worker, WorkerMetrics metrics, BundleContext context) {
        this.worker = worker;
        this.metrics = metrics;
        this.context = context;
    }

    Map<String, Object> build() {
        Map<String, Object> s = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        s.put("time", now);
        s.put("active", worker.activePool().orElse(null));
        s.put("pools", worker.pools().stream().map(DashboardState::pool).toList());
        s.put("stats", stats());
        s.put("autoscale", worker.autoscale().max() == 0 ? null : worker.autoscale().min() + "–" + worker.autoscale().max());
        s.put("throughput", metrics.throughput().last(CHART_SECONDS, now / 1000).stream().map(DashboardState::second).toList());
        long[] p = metrics.runTimes().percentiles(50, 90, 99);
        s.put("runtime", p.length == 0 ? null : Map.of("p50", p[0] / 1e6, "p90", p[1] / 1e6, "p99", p[2] / 1e6, "count", metrics.runTimes().size()));
        s.put("events", metrics.events().stream().map(e -> Map.of("time", e.epochMillis(), "kind", e.kind(), "pool", e.pool(), "detail", e.detail())).toList());
        s.put("recent", worker.tasks().stream().limit(RECENT_TASKS).map(DashboardState::task).toList());
        s.put("brokers", metrics.brokers().stream().map(DashboardState::broker).toList());
        s.put("tasks", taskNames());
        return s;
    }

    private static Map<String, Object> pool(PoolDescriptor d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.names().get(0));
        m.put("aliases", d.names().subList(1, d.names().size()));
        m.put("active", d.active());
        m.put("green", d.green());
        m.put("ranking", d.ranking());
        m.put("bundle", d.bundle());
        return m;
    }

    private Map<String, Object> stats() {
        PoolStats st;
        try {
            st = worker.stats();
        } catch (PoolUnavailableException e) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pool", st.pool());
        m.put("state", st.state().name());
        m.put("concurrency", st.concurrency());
        m.put("active", st.active());
        m.put("queued", st.queued());
        m.put("completed", st.completed());
        m.put("failed", st.failed());
        List<Map<String, Object>> workers = new ArrayList<>();
        for (WorkerInfo w : st.workers()) {
            Map<String, Object> wm = new LinkedHashMap<>();
            wm.put("id", w.id());
            wm.put("state", w.state());
            wm.put("task", w.taskId());
            wm.put("done", w.tasksDone());
            wm.put("rss", w.memoryBytes());
            wm.put("uptime", w.uptime() == null ? null : w.uptime().toMillis() / 1000.0);
            workers.add(wm);
        }
        m.put("workers", workers);
        return m;
    }

    private static Map<String, Object> second(Throughput.Second s) {
        return Map.of("t", s.epochSecond(), "ok", s.succeeded(), "failed", s.failed());
    }

    private static Map<String, Object> task(TaskHandle h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", h.taskId());
        m.put("name", h.request().name());
        m.put("state", h.state().name());
        m.put("worker", h.workerId());
        CompletableFuture<Object> f = h.result().toCompletableFuture();
        switch (f.state()) {
            case SUCCESS -> m.put("result", String.valueOf(f.resultNow()));
            case FAILED -> {
                Throwable c = f.exceptionNow(); // the task's own error, not the CompletionException around it
                m.put("error", c.getClass().getSimpleName() + ": " + c.getMessage());
            }
            default -> {
                // pending or running: neither yet
            }
        }
        return m;
    }

    private static Map<String, Object> broker(Broker b) {
        BrokerStats st = b.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("url", b.url());
        m.put("queues", b.queues());
        m.put("connected", st.connected());
        m.put("received", st.received());
        m.put("acknowledged", st.acknowledged());
        m.put("requeued", st.requeued());
        m.put("restored", st.restored());
        m.put("rejected", st.rejected());
        m.put("inFlight", st.inFlight());
        m.put("prefetch", st.prefetchLimit());
        return m;
    }

    private List<String> taskNames() {
        TreeSet<String> names = new TreeSet<>();
        try {
            ServiceReference<?>[] refs = context.getServiceReferences(Task.class.getName(), null);
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    names.addAll(Task.namesOf(r.getProperty(Task.NAME_PROPERTY)));
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
        return List.copyOf(names);
    }
}
