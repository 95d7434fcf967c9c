package org.celeriac.pool.api;

import java.time.Duration;

/**
 * Thrown by a task to be run again later: Celery's {@code self.retry(countdown=…)}. A broker that delivered
 * the task sends it again with the same id, {@code retries} + 1 and an ETA {@code countdown} from now, and
 * reports the state {@code RETRY} meanwhile; once the task's {@code task.max.retries} is used up it fails
 * with this exception's cause. Submitted in process (the shell), the task simply fails with it.
 *
 * <p>Tasks can also retry without throwing this: a {@link Task} service declaring
 * {@value #AUTORETRY_FOR_PROPERTY} (exception class names) is retried when it fails with one of them,
 * Celery's {@code autoretry_for}.
 */
public final class TaskRetryException extends CeleriacException {
    /** Service property of a {@link Task}: exception class names that retry it (Celery's {@code autoretry_for}). */
    public static final String AUTORETRY_FOR_PROPERTY = "task.autoretry.for";
    /** Service property of a {@link Task}: how many retries it gets (Celery's {@code max_retries}, default 3). */
    public static final String MAX_RETRIES_PROPERTY = "task.max.retries";
    /** Service property of a {@link Task}: seconds before a retry (Celery's {@code default_retry_delay}, default 180). */
    public static final String RETRY_DELAY_PROPERTY = "task.retry.delay";

    private final Duration countdown;

    /**
     * @param countdown how long to wait before the retry; {@code null} = the task's {@value #RETRY_DELAY_PROPERTY}
     * @param cause     why; what the task fails with once its retries are used up
     */
    public TaskRetryException(Duration countdown, Throwable cause) {
        super("retry" + (countdown == null ? "" : " in " + countdown) + (cause == null ? "" : ": " + cause), cause);
        if (countdown != null && countdown.isNegative()) {
            throw new IllegalArgumentException("countdown must not be negative, was " + countdown);
        }
        this.countdown = countdown;
    }

    /** The requested delay, or {@code null} for the task's default. */
    public Duration countdown() {
        return countdown;
    }
}
