package org.celeriac.pool.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What a running {@link Task} may ask of its pool. Valid only during {@link Task#call}, on the task's own
 * thread (except {@link #isCancelled()}, which any thread may read).
 */
@ProviderType
public interface TaskContext {

    /** The request being run. */
    TaskRequest request();

    /** The worker running it (thread name, virtual-thread id or child pid). */
    String workerId();

    /**
     * Whether the task should stop: it was terminated, its soft limit passed, or its pool is shutting down
     * hard. Long-running tasks poll this (or {@link #checkSoftTimeLimit()}) if they do not block in
     * interruptible calls, since Java cannot stop a thread from outside.
     */
    boolean isCancelled();

    /**
     * Throws {@link SoftTimeLimitExceededException} if the task's soft time limit has passed, the analog of
     * Celery raising it inside the task. CPU-bound loops call this now and then.
     */
    void checkSoftTimeLimit();

    /** A logger named after the task. */
    System.Logger logger();
}
