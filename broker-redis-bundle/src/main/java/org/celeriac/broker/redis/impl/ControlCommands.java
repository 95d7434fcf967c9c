package org.celeriac.broker.redis.impl;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRegistry;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.BrokerStats;
import org.celeriac.worker.api.Worker;

/**
 * Celery's remote-control commands ({@code celery inspect …}, {@code celery control …}) against a Celeriac
 * worker. Each returns the reply Celery's own worker would send, as JSON values; a bad argument or an
 * operation the pool cannot do replies {@code {"error": …}} instead of throwing.
 */
final class ControlCommands {
    static final Set<String> SUPPORTED = new TreeSet<>(List.of("ping", "stats", "active", "reserved", "registered",
            "active_queues", "revoked", "revoke", "pool_grow", "pool_shrink", "pool_restart", "shutdown"));

    private final Worker worker;
    private final Supplier<TaskRegistry> registry;
    private final Broker broker;
    private final Counters counters;
    private final RevokedTasks revoked;
    private final Runnable shutdown;

    ControlCommands(Worker worker, Supplier<TaskRegistry> registry, Broker broker, Counters counters,
                    RevokedTasks revoked, Runnable shutdown) {
        this.worker = worker;
        this.registry = registry;
        this.broker = broker;
        this.counters = counters;
        this.revoked = revoked;
        this.shutdown = shutdown;
    }

    Object handle(String method, Map<String, Object> args) {
        try {
            return switch (method) {
                case "ping" -> ok("pong");
                case "stats" -> stats();
                case "active" -> tasks(TaskState.STARTED);
                case "reserved" -> tasks(TaskState.PENDING);
                case "registered" -> registered();
                case "active_queues" -> activeQueues();
                case "revoked" -> revoked.ids();
                case "revoke" -> revoke(args);
                case "pool_grow" -> {
                    worker.grow(count(args));
                    yield ok("pool will grow");
                }
                case "pool_shrink" -> {
                    worker.shrink(count(args));
                    yield ok("pool will shrink");
                }
                case "pool_restart" -> {
                    worker.restart();
                    yield ok("reload started");
                }
                case "shutdown" -> {
                    shutdown.run();
                    yield ok("shutdown started");
                }
                default -> error("unknown control command '" + method + "'; Celeriac supports " + String.join(", ", SUPPORTED));
            };
        } catch (RuntimeException e) {
            return error(method + " failed: " + e.getMessage());
        }
    }

    private Object revoke(Map<String, Object> args) {
        Object ids = args.get("task_id");
        List<String> taskIds = new ArrayList<>();
        if (ids instanceof String s) {
            taskIds.add(s);
        } else if (ids instanceof Collection<?> c) {
            c.forEach(id -> taskIds.add(String.valueOf(id)));
        } else {
            return error("revoke needs task_id (a task id or a list of them), got " + ids);
        }
        boolean terminate = Boolean.TRUE.equals(args.get("terminate"));
        List<String> stopped = new ArrayList<>();
        Set<String> running = runningOnWorkers();
        for (String id : taskIds) {
            revoked.add(id);
            // A task that has not started never runs; a running one is stopped only with terminate, as in Celery.
            boolean notStarted = !running.contains(id) && worker.task(id).map(h -> h.state() == TaskState.PENDING).orElse(false);
            if ((terminate || notStarted) && worker.terminate(id)) {
                stopped.add(id);
            }
        }
        String flagged = "tasks " + String.join(", ", taskIds) + " flagged as revoked";
        return ok(terminate ? "terminate: " + flagged + (stopped.isEmpty() ? "" : "; stopped " + String.join(", ", stopped)) : flagged);
    }

    private Map<String, Object> stats() {
        Map<String, Object> out = new LinkedHashMap<>();
        BrokerStats b = broker.stats();
        out.put("total", counters.totals());
        out.put("pid", ProcessHandle.current().pid());
        out.put("clock", "0");
        out.put("uptime", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
        Map<String, Object> pool = new LinkedHashMap<>();
        try {
            PoolStats s = worker.stats();
            pool.put("implementation", "celeriac:" + s.pool());
            pool.put("max-concurrency", s.concurrency());
            pool.put("processes", s.workers().stream().map(WorkerInfo::id).toList());
            pool.put("active", s.active());
            pool.put("queued", s.queued());
            pool.put("completed", s.completed());
            pool.put("failed", s.failed());
        } catch (RuntimeException noPool) {
            pool.put("implementation", "none: " + noPool.getMessage());
        }
        out.put("pool", pool);
        Map<String, Object> brokerInfo = new LinkedHashMap<>();
        brokerInfo.put("transport", broker.name());
        brokerInfo.put("url", broker.url());
        brokerInfo.put("connected", b.connected());
        out.put("broker", brokerInfo);
        out.put("prefetch_count", b.prefetchLimit());
        Map<String, Object> messages = new LinkedHashMap<>();
        messages.put("received", b.received());
        messages.put("acknowledged", b.acknowledged());
        messages.put("requeued", b.requeued());
        messages.put("restored", b.restored());
        messages.put("rejected", b.rejected());
        messages.put("in_flight", b.inFlight());
        out.put("messages", messages);
        return out;
    }

    /** Running ({@code STARTED}) or accepted-not-started ({@code PENDING}) tasks, Celery's active and reserved. */
    private List<Map<String, Object>> tasks(TaskState state) {
        Set<String> runningOnWorkers = runningOnWorkers();
        List<Map<String, Object>> out = new ArrayList<>();
        for (TaskHandle h : worker.tasks()) {
            TaskState s = h.state() == TaskState.PENDING && runningOnWorkers.contains(h.taskId()) ? TaskState.STARTED : h.state();
            if (s != state) {
                continue;
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", h.taskId());
            t.put("name", h.request().name());
            t.put("args", h.request().args());
            t.put("kwargs", h.request().kwargs());
            t.put("type", h.request().name());
            t.put("hostname", broker.nodeName());
            t.put("acknowledged", false);
            t.put("worker_pid", h.workerId());
            out.add(t);
        }
        return out;
    }

    /** The tasks the pool's workers run now: they know before the worker's handle does (solo runs a task inside the hand-off). */
    private Set<String> runningOnWorkers() {
        Set<String> ids = new HashSet<>();
        try {
            worker.stats().workers().forEach(w -> ids.add(w.taskId()));
        } catch (RuntimeException noPool) {
            // no pool: nothing runs
        }
        return ids;
    }

    private List<String> registered() {
        TaskRegistry r = registry.get();
        return r == null ? List.of() : List.copyOf(new TreeSet<>(r.names()));
    }

    private List<Map<String, Object>> activeQueues() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String q : broker.queues()) {
            Map<String, Object> exchange = new LinkedHashMap<>();
            exchange.put("name", q);
            exchange.put("type", "direct");
            Map<String, Object> queue = new LinkedHashMap<>();
            queue.put("name", q);
            queue.put("exchange", exchange);
            queue.put("routing_key", q);
            queue.put("durable", true);
            out.add(queue);
        }
        return out;
    }

    private static int count(Map<String, Object> args) {
        Object n = args.getOrDefault("n", 1);
        if (!(n instanceof Number num) || num.intValue() < 1) {
            throw new IllegalArgumentException("n must be a positive integer, was " + n);
        }
        return num.intValue();
    }

    private static Map<String, Object> ok(String message) {
        return Map.of("ok", message);
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }
}
