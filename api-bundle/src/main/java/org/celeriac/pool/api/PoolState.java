package org.celeriac.pool.api;

/**
 * The lifecycle of a {@link BasePool}, as in Celery's {@code celery.concurrency.base}.
 *
 * <pre>
 *   INIT --start()--> RUN --stop()--> CLOSE --(last running task done)--> TERMINATE
 *     |                 |                |                                   ^
 *     +-----------------+----------------+---------- terminate() -----------+
 * </pre>
 *
 * Transitions only go rightwards. {@code start()} is legal only in INIT; {@code applyAsync} only in RUN.
 */
public enum PoolState {
    /** Created, not started: accepts configuration, no tasks. */
    INIT,
    /** Started: accepts and runs tasks. */
    RUN,
    /** Stopping gracefully: refuses new tasks, finishes the accepted ones. */
    CLOSE,
    /** Final: nothing runs any more (tasks cut off by {@code terminate()} failed with {@link TaskTerminatedException}). */
    TERMINATE
}
