package org.celeriac.broker.redis.impl;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.BrokerStats;
import org.celeriac.worker.api.Worker;

/**
 * The read-only half of Celery's remote control ({@code celery inspect …}): replies shaped as Celery's worker
 * shapes them ({@code celery/worker/control.py}), since Flower and scripts index into them by key.
 */
final class InspectReplies {
    private final Worker worker;
    private final Broker broker;
    private final Counters counters;
    private final InFlight inFlight;
    private final BrokerSettings settings;

    InspectReplies(Worker worker, Broker broker, Counters counters, InFlight inFlight, BrokerSettings settings) {
        this.worker = worker;
        this.broker = broker;
        this.counters = counters;
        this.inFlight = inFlight;
        this.settings = settings;
    }

    // ---- tasks --------------------------------------------------------------------------------------------

    /** Celery's {@code active} (started) or {@code reserved} (accepted, not started, not held for an ETA). */
    List<Map<String, Object>> tasks(TaskState state) {
        Map<String, Delivery> deliveries = deliveriesByTask();
        Set<String> running = runningOnWorkers();
        List<Map<String, Object>> out = new ArrayList<>();
        for (TaskHandle h : worker.tasks()) {
            Delivery d = deliveries.get(h.taskId());
            if (stateOf(h, running) == state && !(state == TaskState.PENDING && heldForEta(h))) {
                out.add(RequestInfo.of(h, d, broker.nodeName()));
            }
        }
        return out;
    }

    /** Celery's {@code scheduled}: tasks held for their ETA or countdown. */
    List<Map<String, Object>> scheduled() {
        Map<String, Delivery> deliveries = deliveriesByTask();
        List<Map<String, Object>> out = new ArrayList<>();
        for (TaskHandle h : worker.tasks()) {
            if (heldForEta(h)) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("eta", h.request().eta().toString());
                Delivery d = deliveries.get(h.taskId());
                entry.put("priority", d == null ? 0 : d.message.priority());
                entry.put("request", RequestInfo.of(h, d, broker.nodeName()));
                out.add(entry);
            }
        }
        return out;
    }

    /** Celery's {@code query_task}: {@code {id: [active | reserved | ready, info]}} for the ids this worker knows. */
    Map<String, Object> queryTask(List<String> ids) {
        Map<String, Delivery> deliveries = deliveriesByTask();
        Set<String> running = runningOnWorkers();
        Map<String, Object> out = new LinkedHashMap<>();
        for (String id : ids) {
            worker.task(id).ifPresent(h -> {
                TaskState s = stateOf(h, running);
                String where = s == TaskState.STARTED ? "active" : s == TaskState.PENDING ? "reserved" : "ready";
                out.put(id, List.of(where, RequestInfo.of(h, deliveries.get(id), broker.nodeName())));
            });
        }
        return out;
    }

    private static boolean heldForEta(TaskHandle h) {
        Instant eta = h.request().eta();
        return h.state() == TaskState.PENDING && eta != null && eta.isAfter(Instant.now());
    }

    /** The pool's workers know a task runs before the worker's handle does (solo runs it inside the hand-off). */
    private static TaskState stateOf(TaskHandle h, Set<String> running) {
        return h.state() == TaskState.PENDING && running.contains(h.taskId()) ? TaskState.STARTED : h.state();
    }

    Set<String> runningOnWorkers() {
        Set<String> ids = new HashSet<>();
        try {
            worker.stats().workers().forEach(w -> ids.add(w.taskId()));
        } catch (RuntimeException noPool) {
            // no pool: nothing runs
        }
        return ids;
    }

    private Map<String, Delivery> deliveriesByTask() {
        Map<String, Delivery> byTask = new HashMap<>();
        for (Delivery d : inFlight.snapshot()) {
            byTask.put(d.message.taskId(), d);
        }
        return byTask;
    }

    // ---- the worker ---------------------------------------------------------------------------------------

    /** Celery's {@code stats}, with the keys Flower reads. */
    Map<String, Object> stats(long clock) {
        Map<String, Object> out = new LinkedHashMap<>();
        BrokerStats b = broker.stats();
        out.put("total", counters.totals());
        out.put("pid", ProcessHandle.current().pid());
        out.put("clock", Long.toString(clock));
        out.put("uptime", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
        out.put("pool", pool());
        out.put("autoscaler", autoscaler());
        out.put("prefetch_count", b.prefetchLimit());
        Map<String, Object> brokerInfo = new LinkedHashMap<>();
        brokerInfo.put("hostname", settings.uri().getHost());
        brokerInfo.put("port", settings.uri().getPort() < 0 ? 6379 : settings.uri().getPort());
        brokerInfo.put("virtual_host", Integer.toString(settings.database()));
        brokerInfo.put("transport", broker.name());
        brokerInfo.put("url", broker.url());
        brokerInfo.put("connected", b.connected());
        out.put("broker", brokerInfo);
        out.put("rusage", rusage());
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

    /** Celery's {@code Autoscaler.info()}: empty when off. */
    private Map<String, Object> autoscaler() {
        org.celeriac.worker.api.Autoscale a = worker.autoscale();
        if (!a.on()) {
            return Map.of();
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("max", a.max());
        info.put("min", a.min());
        try {
            PoolStats s = worker.stats();
            info.put("current", s.concurrency());
            info.put("qty", s.active() + s.queued());
        } catch (RuntimeException noPool) {
            info.put("current", 0);
            info.put("qty", 0);
        }
        return info;
    }

    private Map<String, Object> pool() {
        Map<String, Object> pool = new LinkedHashMap<>();
        try {
            PoolStats s = worker.stats();
            pool.put("implementation", "celeriac:" + s.pool());
            pool.put("max-concurrency", s.concurrency());
            // Celery lists its children's pids (ints); warm spares take no tasks, so they are not among them.
            List<Object> processes = new ArrayList<>();
            for (WorkerInfo w : s.workers()) {
                if (!w.state().startsWith("spare")) {
                    processes.add(RequestInfo.workerPid(w.id()));
                }
            }
            pool.put("processes", processes);
            pool.put("max-tasks-per-child", "N/A");
            pool.put("put-guarded-by-semaphore", false);
            pool.put("timeouts", List.of(0, 0));
            pool.put("active", s.active());
            pool.put("queued", s.queued());
            pool.put("completed", s.completed());
            pool.put("failed", s.failed());
        } catch (RuntimeException noPool) {
            pool.put("implementation", "none: " + noPool.getMessage());
        }
        return pool;
    }

    /** Celery's {@code rusage} (getrusage of the worker process): CPU seconds and the peak RSS in KiB. */
    private static Map<String, Object> rusage() {
        Map<String, Object> r = new LinkedHashMap<>();
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            double cpu = os.getProcessCpuTime() / 1e9;
            r.put("utime", cpu); // the JDK reports user and system time together
            r.put("stime", 0.0);
        }
        r.put("maxrss", peakRssKib());
        return r;
    }

    private static long peakRssKib() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException notLinux) {
            // not Linux: unknown
        }
        return 0;
    }

    /** Celery's {@code active_queues}: kombu's {@code Queue.as_dict(recurse=True)}, every key Flower reads. */
    List<Map<String, Object>> activeQueues() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String q : broker.queues()) {
            Map<String, Object> exchange = new LinkedHashMap<>();
            exchange.put("name", q);
            exchange.put("type", "direct");
            exchange.put("arguments", null);
            exchange.put("durable", true);
            exchange.put("passive", false);
            exchange.put("auto_delete", false);
            exchange.put("delivery_mode", null);
            exchange.put("no_declare", false);
            Map<String, Object> queue = new LinkedHashMap<>();
            queue.put("name", q);
            queue.put("exchange", exchange);
            queue.put("routing_key", q);
            queue.put("queue_arguments", null);
            queue.put("binding_arguments", null);
            queue.put("consumer_arguments", null);
            queue.put("durable", true);
            queue.put("exclusive", false);
            queue.put("auto_delete", false);
            queue.put("no_ack", false);
            queue.put("alias", null);
            queue.put("bindings", List.of());
            queue.put("no_declare", null);
            queue.put("expires", null);
            queue.put("message_ttl", null);
            queue.put("max_length", null);
            queue.put("max_length_bytes", null);
            queue.put("max_priority", null);
            out.add(queue);
        }
        return out;
    }

    /** Celery's {@code conf}: the settings this worker honours, under Celery's names (the password masked). */
    Map<String, Object> conf() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("broker_url", broker.url());
        c.put("result_backend", settings.results().enabled() ? (settings.results().separate() ? "redis (separate)" : broker.url()) : null);
        c.put("result_expires", settings.resultExpiresSeconds());
        c.put("task_default_queue", settings.queues().get(0));
        c.put("worker_prefetch_multiplier", settings.prefetchMultiplier());
        c.put("task_track_started", settings.trackStarted());
        c.put("task_acks_late", true);
        c.put("task_serializer", "json");
        c.put("accept_content", List.of("json"));
        c.put("broker_transport_options", Map.of("visibility_timeout", settings.visibilitySeconds()));
        c.put("worker_pool", worker.activePool().orElse(null));
        return c;
    }

    /** Celery's {@code report}: what a bug report needs. */
    String report() {
        return "software -> celeriac:0.1.0 (Java " + Runtime.version() + ")\nplatform -> " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + "\nbroker -> " + broker.url() + "\npool -> "
                + worker.activePool().orElse("none") + "\nqueues -> " + broker.queues();
    }
}
