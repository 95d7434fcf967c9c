package org.celeriac.broker.redis.impl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.celeriac.pool.api.TaskRegistry;
import org.celeriac.pool.api.TaskState;
import org.celeriac.worker.api.Autoscale;
import org.celeriac.worker.api.Worker;

/**
 * Celery's remote-control commands ({@code celery inspect …}, {@code celery control …}) against a Celeriac
 * worker, as {@code celery/worker/control.py} answers them. Each returns the reply Celery's own worker would
 * send, as JSON values; a bad argument or an operation this worker cannot do replies {@code {"error": …}}
 * (Celery's {@code nok}) instead of throwing. The read-only replies are {@link InspectReplies}.
 */
final class ControlCommands {
    static final Set<String> SUPPORTED = new TreeSet<>(List.of("ping", "stats", "active", "reserved", "scheduled",
            "registered", "active_queues", "revoked", "query_task", "conf", "report", "clock", "hello", "revoke",
            "terminate", "time_limit", "rate_limit", "autoscale", "add_consumer", "cancel_consumer", "enable_events", "disable_events", "heartbeat", "pool_grow", "pool_shrink",
            "pool_restart", "shutdown", "dump_active", "dump_reserved", "dump_schedule", "dump_revoked", "dump_tasks",
            "dump_conf"));
    /** Known to Celery, not done by Celeriac yet: answered with a clear error rather than "unknown". */
    private static final Set<String> NOT_YET = Set.of("election", "objgraph", "memsample", "memdump");

    /** Starts ({@code true}) or stops consuming a queue; whether that changed anything. */
    interface Queues {
        boolean consume(String queue, boolean on);
    }

    private final Worker worker;
    private final Supplier<TaskRegistry> registry;
    private final Queues queues;
    private final InspectReplies inspect;
    private final RevokedTasks revoked;
    private final TaskEvents taskEvents;
    private final EventDispatcher events;
    private final TaskTimeLimits limits;
    private final RateLimits rates;
    private final Runnable shutdown;

    ControlCommands(Worker worker, Supplier<TaskRegistry> registry, Queues queues, InspectReplies inspect, RevokedTasks revoked,
                    TaskEvents taskEvents, EventDispatcher events, TaskTimeLimits limits, RateLimits rates, Runnable shutdown) {
        this.worker = worker;
        this.registry = registry;
        this.queues = queues;
        this.inspect = inspect;
        this.revoked = revoked;
        this.taskEvents = taskEvents;
        this.events = events;
        this.limits = limits;
        this.rates = rates;
        this.shutdown = shutdown;
    }

    Object handle(String method, Map<String, Object> args) {
        try {
            return switch (method) {
                case "ping" -> ok("pong");
                case "stats" -> inspect.stats(events.clock());
                case "active", "dump_active" -> inspect.tasks(TaskState.STARTED);
                case "reserved", "dump_reserved" -> inspect.tasks(TaskState.PENDING);
                case "scheduled", "dump_schedule" -> inspect.scheduled();
                case "registered", "dump_tasks" -> registered();
                case "active_queues" -> inspect.activeQueues();
                case "revoked", "dump_revoked" -> revoked.ids();
                case "query_task" -> inspect.queryTask(ids(args.get("ids"), "ids"));
                case "conf", "dump_conf" -> conf();
                case "report" -> ok(inspect.report());
                case "clock" -> Map.of("clock", events.clock());
                case "hello" -> Map.of("revoked", revokedSince(), "clock", events.clock());
                case "revoke" -> revoke(ids(args.get("task_id"), "task_id"), Boolean.TRUE.equals(args.get("terminate")));
                case "terminate" -> revoke(ids(args.get("task_id"), "task_id"), true);
                case "time_limit" -> timeLimit(args);
                case "rate_limit" -> rateLimit(args);
                case "autoscale" -> autoscale(args);
                case "add_consumer" -> {
                    String q = queueName(args);
                    queues.consume(q, true);
                    yield ok("add consumer " + q);
                }
                case "cancel_consumer" -> {
                    String q = queueName(args);
                    queues.consume(q, false);
                    yield ok("no longer consuming from " + q);
                }
                case "enable_events" -> ok(taskEvents.enable(true) ? "task events already enabled" : "task events enabled");
                case "disable_events" -> ok(taskEvents.enable(false) ? "task events disabled" : "task events already disabled");
                case "heartbeat" -> {
                    events.heartbeat();
                    yield ok("heartbeat sent");
                }
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
                default -> error(NOT_YET.contains(method) ? method + " is not supported by Celeriac yet"
                        : "unknown control command '" + method + "'; Celeriac supports " + String.join(", ", SUPPORTED));
            };
        } catch (RuntimeException e) {
            return error(method + " failed: " + e.getMessage());
        }
    }

    private Object revoke(List<String> taskIds, boolean terminate) {
        List<String> stopped = new ArrayList<>();
        Set<String> running = inspect.runningOnWorkers();
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

    /** Celery's {@code time_limit TASK SOFT [HARD]}: for that task's requests without limits of their own. */
    private Object timeLimit(Map<String, Object> args) {
        String task = knownTask(args);
        if (task == null) {
            return error("unknown task");
        }
        limits.set(task, seconds(args.get("soft")), seconds(args.get("hard")));
        return ok("time limits set successfully");
    }

    /** Celery's {@code rate_limit TASK RATE}: {@code 10/s}, {@code 100/m}, {@code 1000/h}; 0 or empty turns it off. */
    private Object rateLimit(Map<String, Object> args) {
        String task = knownTask(args);
        if (task == null) {
            return error("unknown task");
        }
        Object rate = args.get("rate_limit");
        try {
            return ok(rates.set(task, rate == null ? null : String.valueOf(rate))
                    ? "new rate limit set successfully" : "rate limit disabled successfully");
        } catch (IllegalArgumentException e) {
            return error("Invalid rate limit string: " + e.getMessage());
        }
    }

    /** Celery's {@code autoscale MAX MIN}: new bounds for the worker's autoscaler (which it turns on). */
    private Object autoscale(Map<String, Object> args) {
        Autoscale now = worker.autoscale();
        int max = args.get("max") instanceof Number n ? n.intValue() : now.max();
        int min = args.get("min") instanceof Number n ? n.intValue() : Math.max(1, now.min());
        Autoscale next = new Autoscale(max, Math.max(1, Math.min(min, max)), now.keepAlive());
        worker.autoscale(next);
        return ok("autoscale now max=" + next.max() + " min=" + next.min());
    }

    /** The {@code task_name} argument if this worker has that task (Celery replies "unknown task" otherwise). */
    private String knownTask(Map<String, Object> args) {
        TaskRegistry r = registry.get();
        return args.get("task_name") instanceof String s && r != null && r.names().contains(s) ? s : null;
    }

    private static Duration seconds(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Number n) || n.doubleValue() <= 0) {
            throw new IllegalArgumentException("a time limit must be a positive number of seconds, was " + value);
        }
        return Duration.ofNanos((long) (n.doubleValue() * 1e9));
    }

    private Map<String, Object> conf() {
        Map<String, Object> c = inspect.conf();
        c.put("worker_send_task_events", taskEvents.enabled());
        return c;
    }

    /** What Celery's {@code hello} (mingle) shares: revoked ids with when they were revoked. */
    private Map<String, Object> revokedSince() {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        double now = System.currentTimeMillis() / 1000.0;
        revoked.ids().forEach(id -> out.put(id, now));
        return out;
    }

    private List<String> registered() {
        TaskRegistry r = registry.get();
        return r == null ? List.of() : List.copyOf(new TreeSet<>(r.names()));
    }

    private static List<String> ids(Object ids, String what) {
        List<String> out = new ArrayList<>();
        if (ids instanceof String s) {
            out.add(s);
        } else if (ids instanceof Collection<?> c) {
            c.forEach(id -> out.add(String.valueOf(id)));
        } else {
            throw new IllegalArgumentException("needs " + what + " (a task id or a list of them), got " + ids);
        }
        return out;
    }

    private static String queueName(Map<String, Object> args) {
        if (args.get("queue") instanceof String q && !q.isBlank()) {
            return q.trim();
        }
        throw new IllegalArgumentException("needs a queue name, got " + args.get("queue"));
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
