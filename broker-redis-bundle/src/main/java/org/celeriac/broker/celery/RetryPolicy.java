package org.celeriac.broker.celery;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.TaskRetryException;

/**
 * When a failed task runs again: Celery's {@code autoretry_for}, {@code max_retries} and
 * {@code default_retry_delay}, read from the {@link org.celeriac.pool.api.Task} service's properties
 * ({@value TaskRetryException#AUTORETRY_FOR_PROPERTY}, {@value TaskRetryException#MAX_RETRIES_PROPERTY},
 * {@value TaskRetryException#RETRY_DELAY_PROPERTY}). Immutable.
 *
 * @param autoretryFor fully qualified exception class names that retry the task (a subclass matches too,
 *                     except in a prefork child, where only the exact class name crosses the process boundary)
 * @param maxRetries   retries allowed; the next failure after them is final
 * @param delay        wait before a retry the task did not time itself
 */
public record RetryPolicy(Set<String> autoretryFor, int maxRetries, Duration delay) {
    /** Celery's defaults: no automatic retry, 3 retries, 180 s apart. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(Set.of(), 3, Duration.ofSeconds(180));

    public RetryPolicy {
        autoretryFor = Set.copyOf(autoretryFor);
        if (maxRetries < 0 || delay.isNegative()) {
            throw new IllegalArgumentException("max retries must be >= 0 and the delay >= 0, were " + maxRetries + ", " + delay);
        }
    }

    /** Reads a task service's properties; absent ones take Celery's defaults. */
    public static RetryPolicy of(Map<String, Object> serviceProperties) {
        Object names = serviceProperties.get(TaskRetryException.AUTORETRY_FOR_PROPERTY);
        Set<String> classes = names instanceof String[] a ? Set.of(a) : names instanceof String s ? Set.of(s.split("\\s*,\\s*")) : Set.of();
        Object max = serviceProperties.get(TaskRetryException.MAX_RETRIES_PROPERTY);
        Object delay = serviceProperties.get(TaskRetryException.RETRY_DELAY_PROPERTY);
        return new RetryPolicy(classes,
                max == null ? DEFAULT.maxRetries : Integer.parseInt(max.toString().trim()),
                delay == null ? DEFAULT.delay : Duration.ofMillis((long) (Double.parseDouble(delay.toString().trim()) * 1000)));
    }

    /**
     * How long to wait before running the task again after {@code failure} on attempt {@code retries}
     * (0 = the first run), or {@code null} when it must not run again.
     */
    public Duration retryDelay(Throwable failure, int retries) {
        Throwable t = CeleryError.rootCause(failure);
        boolean requested = t instanceof TaskRetryException
                || t instanceof RemoteTaskException r && r.remoteType().equals(TaskRetryException.class.getName());
        if (!(requested || autoretries(t)) || retries >= maxRetries) {
            return null;
        }
        return t instanceof TaskRetryException r && r.countdown() != null ? r.countdown() : delay;
    }

    private boolean autoretries(Throwable t) {
        if (autoretryFor.isEmpty()) {
            return false;
        }
        if (t instanceof RemoteTaskException r) {
            return autoretryFor.contains(r.remoteType());
        }
        for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
            if (autoretryFor.contains(c.getName())) {
                return true;
            }
        }
        return false;
    }
}
