package org.celeriac.broker.redis.impl;

import java.util.LinkedHashMap;
import java.util.Map;
import org.celeriac.broker.celery.CeleryError;
import org.celeriac.broker.celery.DecodedTask;
import org.celeriac.pool.api.PoolEvents;
import org.celeriac.pool.api.TaskRequest;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventHandler;

/**
 * Celery's task events ({@code -E}) for the tasks this broker hands to the worker, with the fields
 * {@code celery.worker.request} sends. {@code task-started} comes from the pools' own
 * {@link PoolEvents#TOPIC_TASK_PRERUN} on Event Admin (the worker's {@code task.events}; the launcher's
 * {@code -E} turns on both), so it reports when a worker really starts the task. Disabled, every call is a no-op.
 */
final class TaskEvents implements EventHandler {
    private final EventDispatcher dispatcher;
    private final boolean enabled;
    private final InFlight inFlight;

    TaskEvents(EventDispatcher dispatcher, boolean enabled, InFlight inFlight) {
        this.dispatcher = dispatcher;
        this.enabled = enabled;
        this.inFlight = inFlight;
    }

    boolean enabled() {
        return enabled;
    }

    void received(DecodedTask.Run run) {
        if (!enabled) {
            return;
        }
        TaskRequest r = run.request();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("uuid", r.id());
        f.put("name", r.name());
        f.put("args", String.valueOf(r.args()));
        f.put("kwargs", String.valueOf(r.kwargs()));
        f.put("root_id", r.headers().get("root_id"));
        f.put("parent_id", r.headers().get("parent_id"));
        f.put("retries", r.headers().getOrDefault("retries", 0));
        f.put("eta", r.eta() == null ? null : r.eta().toString());
        f.put("expires", r.expires() == null ? null : r.expires().toString());
        dispatcher.send("task-received", f);
    }

    /** {@code error == null}: it returned {@code value}. */
    void finished(DecodedTask.Run run, Object value, CeleryError error, long runtimeNanos) {
        if (!enabled) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("uuid", run.taskId());
        if (error == null) {
            f.put("result", String.valueOf(value));
            f.put("runtime", runtimeNanos / 1e9);
            dispatcher.send("task-succeeded", f);
        } else if (CeleryError.REVOKED.equals(error.state())) {
            f.put("terminated", "terminated".equals(error.message()));
            f.put("signum", null);
            f.put("expired", "expired".equals(error.message()));
            dispatcher.send("task-revoked", f);
        } else {
            f.put("exception", error.type() + "('" + error.message() + "')");
            f.put("traceback", error.traceback());
            dispatcher.send("task-failed", f);
        }
    }

    /** A pool started a task: {@code task-started}, if this broker handed it over. */
    @Override
    public void handleEvent(Event event) {
        Object id = event.getProperty(PoolEvents.TASK_ID);
        if (enabled && id instanceof String taskId && inFlight.holdsTask(taskId)) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("uuid", taskId);
            f.put("pid", event.getProperty(PoolEvents.WORKER));
            dispatcher.send("task-started", f);
        }
    }
}
