package org.celeriac.pool.api;

/**
 * Optional abilities of a pool. Callers (the worker, the shell) check {@link BasePool#capabilities()} before
 * calling an operation that a pool may not support, instead of meeting a surprise
 * {@code UnsupportedOperationException} (Celery's pools raise {@code NotImplementedError} the same way).
 */
public enum PoolCapability {
    /** {@link BasePool#terminateJob(String)} stops a running task. */
    TERMINATE_JOB,
    /** {@link BasePool#grow(int)} and {@link BasePool#shrink(int)} resize the pool at run time. */
    RESIZE,
    /** {@link BasePool#restart()} replaces every worker without losing a task. */
    RESTART,
    /** A soft time limit raises {@link SoftTimeLimitExceededException} inside the task. */
    SOFT_TIME_LIMIT,
    /** A hard time limit fails the task with {@link TimeLimitExceededException}. */
    HARD_TIME_LIMIT,
    /** Tasks run in separate processes: a crash, {@code System.exit} or an OutOfMemoryError cannot harm the worker. */
    PROCESS_ISOLATION
}
