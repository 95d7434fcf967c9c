package org.celeriac.broker.redis.impl;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Celery's task rate limits ({@code rate_limit='10/s'}, {@code '100/m'}, {@code '1000/h'}, a bare number per
 * second), per task name: from the task service's {@value #PROPERTY} property or {@code control rate_limit}.
 * A task over its rate is not refused and not dropped: it gets a start time, its message stays unacknowledged
 * meanwhile (counted neither against the prefetch nor against the pool's concurrency), and it starts then.
 * One start per interval, the first at once (Celery's token bucket with capacity 1). Thread-safe.
 */
final class RateLimits {
    /** The {@code Task} service property Celery calls {@code rate_limit}. */
    static final String PROPERTY = "task.rate.limit";
    private static final Pattern RATE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(?:/\\s*([smh]))?\\s*");

    /** Starts of one task name, spaced by {@code interval}. */
    private static final class Bucket {
        final Duration interval;
        final String rate;
        private Instant next = Instant.MIN;

        Bucket(Duration interval, String rate) {
            this.interval = interval;
            this.rate = rate;
        }

        synchronized Instant reserve(Instant notBefore) {
            Instant slot = next.isAfter(notBefore) ? next : notBefore;
            next = slot.plus(interval);
            return slot;
        }
    }

    private final Map<String, Bucket> byTask = new ConcurrentHashMap<>();

    /**
     * Sets the rate of {@code task}; a blank rate or 0 removes it.
     *
     * @return whether a limit is now in force
     * @throws IllegalArgumentException not a rate Celery accepts
     */
    boolean set(String task, String rate) {
        Duration interval = interval(rate);
        if (interval == null) {
            byTask.remove(task);
            return false;
        }
        byTask.put(task, new Bucket(interval, rate.trim()));
        return true;
    }

    /** The time between two starts for {@code rate}, or {@code null} for no limit. */
    static Duration interval(String rate) {
        if (rate == null || rate.isBlank()) {
            return null;
        }
        Matcher m = RATE.matcher(rate);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a rate limit: '" + rate + "' (e.g. 10/s, 100/m, 1000/h)");
        }
        double perUnit = Double.parseDouble(m.group(1));
        if (perUnit == 0) {
            return null;
        }
        double unitSeconds = m.group(2) == null || m.group(2).equals("s") ? 1 : m.group(2).equals("m") ? 60 : 3600;
        return Duration.ofNanos((long) (unitSeconds / perUnit * 1e9));
    }

    /** When a task of this name that may start at {@code notBefore} starts, reserving that slot. */
    Instant reserve(String task, Instant notBefore) {
        Bucket b = byTask.get(task);
        return b == null ? notBefore : b.reserve(notBefore);
    }

    /** The rate in force for {@code task}, or {@code null}. */
    String rate(String task) {
        Bucket b = byTask.get(task);
        return b == null ? null : b.rate;
    }
}
