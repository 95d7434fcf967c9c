package org.celeriac.pool.api;

/** The state of one task inside a pool, named as Celery names task states. */
public enum TaskState {
    /** Accepted by the pool, waiting for a free worker. */
    PENDING,
    /** Running on a worker (thread, virtual thread or child process). */
    STARTED,
    /** Returned a result. */
    SUCCESS,
    /** Threw, timed out, or its worker was lost. */
    FAILURE,
    /** Terminated, expired, or cut off by a hard pool shutdown. */
    REVOKED,
    /** Taken back by {@link BasePool#drainPending()} before it started, to be re-routed elsewhere. */
    REQUEUED;

    /**
     * The final state of a task that completed with {@code error}: {@link #REQUEUED} for a
     * {@link TaskRequeuedException}, {@link #REVOKED} for a {@link TaskTerminatedException} or
     * {@link TaskExpiredException} (Celery revokes expired tasks), {@link #FAILURE} for anything else.
     *
     * @since 1.3
     */
    public static TaskState ofFailure(Throwable error) {
        if (error instanceof TaskRequeuedException) {
            return REQUEUED;
        }
        if (error instanceof TaskTerminatedException || error instanceof TaskExpiredException) {
            return REVOKED;
        }
        return FAILURE;
    }

    /** Whether the task has reached a final state in this pool. */
    public boolean isDone() {
        return this != PENDING && this != STARTED;
    }
}
