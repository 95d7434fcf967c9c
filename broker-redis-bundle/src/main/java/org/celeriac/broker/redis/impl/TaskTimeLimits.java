package org.celeriac.broker.redis.impl;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.celeriac.pool.api.TaskRequest;

/**
 * Celery's {@code celery control time_limit TASK SOFT [HARD]}: time limits per task name, set at run time,
 * for the requests that carry none of their own (a message's {@code timelimit} header wins, as in Celery).
 * Thread-safe.
 */
final class TaskTimeLimits {
    private record Limits(Duration soft, Duration hard) {
    }

    private final Map<String, Limits> byTask = new ConcurrentHashMap<>();

    /** {@code null} soft and hard: back to the worker's defaults. */
    void set(String task, Duration soft, Duration hard) {
        if (soft != null && hard != null && soft.compareTo(hard) > 0) {
            throw new IllegalArgumentException("soft time limit " + soft + " exceeds hard " + hard);
        }
        if (soft == null && hard == null) {
            byTask.remove(task);
        } else {
            byTask.put(task, new Limits(soft, hard));
        }
    }

    TaskRequest apply(TaskRequest r) {
        Limits l = byTask.get(r.name());
        if (l == null || r.softTimeLimit() != null || r.timeLimit() != null) {
            return r;
        }
        return r.toBuilder().softTimeLimit(l.soft()).timeLimit(l.hard()).build();
    }
}
