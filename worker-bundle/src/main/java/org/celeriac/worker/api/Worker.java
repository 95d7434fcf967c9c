package org.celeriac.worker.api;

import java.util.List;
import java.util.Optional;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The worker: Celery's {@code WorkController} with its pool. It runs every task on the active pool, chosen
 * by {@code pool.name}, and switches pools at run time without losing or repeating a task. Thread-safe.
 */
@ProviderType
public interface Worker {

    /**
     * Runs a task on the active pool. The returned handle is the worker's own: it survives hot-swaps and
     * failovers (a task still queued when its pool goes away is moved to the next pool and completes there).
     * Task problems (unknown name, failure, limits) complete the handle exceptionally; a task id that is
     * already pending or running fails the new handle with {@link org.celeriac.pool.api.DuplicateTaskException} (no
     * task runs twice).
     * A request with an ETA in the future is held by the worker until then.
     *
     * <p>While no pool is available the call waits up to the configured {@code pool_wait_timeout}, then
     * the handle fails with {@link org.celeriac.pool.api.PoolUnavailableException}. It never hangs.
     *
     * @throws IllegalStateException the worker is shutting down
     */
    default TaskHandle submit(TaskRequest request) {
        return submit(request, handle -> { });
    }

    /**
     * As {@link #submit(TaskRequest)}, and hands the task's handle to {@code beforeRouting} before any pool
     * sees the task, on the calling thread. Callbacks attached there observe every step, also on the solo
     * pool, which runs the task inside the hand-off (so {@code submit} returns its handle only once the task
     * has run): a broker reports a task started, while it runs, this way.
     *
     * @since 1.3
     */
    TaskHandle submit(TaskRequest request, java.util.function.Consumer<? super TaskHandle> beforeRouting);

    /** The pools the worker can use now, ranked highest first. */
    List<PoolDescriptor> pools();

    /** The name of the active pool, or empty while none is available. */
    Optional<String> activePool();

    /**
     * Switches to the pool named {@code name} (a primary name or an alias) with {@code concurrency} workers
     * (0 = the configured concurrency): starts a fresh instance, routes new tasks to it, moves the old pool's
     * queued tasks over and lets its running tasks finish there. Returns once the new pool runs.
     *
     * @throws IllegalArgumentException no pool has that name (the message lists the available ones), or the
     *                                  pool refuses the concurrency
     */
    void use(String name, int concurrency);

    /**
     * Tasks the worker knows that its active pool cannot run, each with the reason (see
     * {@link org.celeriac.pool.api.BasePool#unavailableTasks()}); empty while no pool is active.
     *
     * @since 1.2
     */
    java.util.Map<String, String> unavailableTasks();

    /** Statistics of the active pool. @throws org.celeriac.pool.api.PoolUnavailableException none is active */
    PoolStats stats();

    /**
     * Celery's autoscaler: keeps the active pool (and any pool swapped in later) between {@code min} and
     * {@code max} workers as tasks wait or do not; {@link Autoscale#OFF} turns it off. Pools that cannot
     * resize are left as they are.
     *
     * @since 1.3
     */
    void autoscale(Autoscale settings);

    /** The autoscaler's settings ({@link Autoscale#OFF} when off). @since 1.3 */
    Autoscale autoscale();

    /** Grows the active pool; see {@link org.celeriac.pool.api.BasePool#grow(int)}. */
    void grow(int n);

    /** Shrinks the active pool; see {@link org.celeriac.pool.api.BasePool#shrink(int)}. */
    void shrink(int n);

    /**
     * Restarts the active pool: with {@link org.celeriac.pool.api.PoolCapability#RESTART} in place (rolling),
     * otherwise by hot-swapping to a fresh instance of the same pool. Loses nothing.
     */
    void restart();

    /** Terminates a task (revoke with terminate): @return whether it was found pending or running. */
    boolean terminate(String taskId);

    /**
     * The handle of a pending, running or recently finished task. A task is found from the moment
     * {@link #submit} returns until its result is evicted (the worker keeps the last {@code result.retention}).
     */
    Optional<TaskHandle> task(String taskId);

    /**
     * Whether this task finished here and its result is no longer kept ({@code result.retention}), so that a
     * lookup can say so rather than "no such task". Ids of evicted results are remembered a while longer
     * than the results themselves; see the worker's documentation.
     *
     * @since 1.2
     */
    boolean evicted(String taskId);

    /** Pending and running tasks, then the most recently finished ones (bounded), newest first. */
    List<TaskHandle> tasks();
}
