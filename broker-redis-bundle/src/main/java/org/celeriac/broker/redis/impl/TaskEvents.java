package org.celeriac.broker.redis.impl;

import java.util.LinkedHashMap;
import java.util.Map;
import org.celeriac.broker.celery.CeleryError;
import org.celeriac.broker.celery.DecodedTask;
import org.celeriac.broker.celery.PythonRepr;
import org.celeriac.pool.api.TaskRequest;

/**
 * Celery's task events ({@code -E}) for the tasks this broker hands to the worker, with the fields
 * {@code celery.worker.request} sends. {@code task-started} comes from the task's handle
 * ({@code TaskHandle.started()}), so it reports when a pool really starts the task, and always before its
 * outcome. Disabled, every call is a no-op.
 */
final class TaskEvents {
    private final EventDispatcher dispatcher;
    /** Celery's task event group: {@code -E}, switched at run time by {@code enable_events}/{@code disable_events}. */
    private volatile boolean enabled;

    TaskEvents(EventDispatcher dispatcher, boolean enabled) {
        this.dispatcher = dispatcher;
        this.enabled = enabled;
    }

    boolean enabled() {
        return enabled;
    }

    /** Switches task events; returns whether they were on. */
    boolean enable(boolean on) {
        boolean was = enabled;
        enabled = on;
        return was;
    }

    void received(DecodedTask.Run run) {
        if (!enabled) {
            return;
        }
        TaskRequest r = run.request();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("uuid", r.id());
        f.put("name", r.name());
        // What the producer wrote (Celery's saferepr, byte for byte what Celery's worker forwards), else our repr.
        f.put("args", r.headers().get("argsrepr") instanceof String repr ? repr : PythonRepr.of(r.args()));
        f.put("kwargs", r.headers().get("kwargsrepr") instanceof String repr ? repr : PythonRepr.of(r.kwargs()));
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
            f.put("result", PythonRepr.of(value));
            f.put("runtime", runtimeNanos / 1e9);
            dispatcher.send("task-succeeded", f);
        } else if (CeleryError.REVOKED.equals(error.state())) {
            f.put("terminated", "terminated".equals(error.message()));
            f.put("signum", null);
            f.put("expired", "expired".equals(error.message()));
            dispatcher.send("task-revoked", f);
        } else {
            f.put("exception", error.type() + "(" + PythonRepr.of(error.message()) + ")");
            f.put("traceback", error.traceback());
            dispatcher.send("task-failed", f);
        }
    }

    void retried(DecodedTask.Run run, CeleryError error) {
        if (!enabled) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("uuid", run.taskId());
        f.put("exception", error.type() + "(" + PythonRepr.of(error.message()) + ")");
        f.put("traceback", error.traceback());
        dispatcher.send("task-retried", f);
    }

    /** A pool started the task on {@code worker}: {@code task-started}. */
    void started(String taskId, String worker) {
        if (!enabled) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("uuid", taskId);
        f.put("pid", worker);
        dispatcher.send("task-started", f);
    }
}
