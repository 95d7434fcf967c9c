package org.celeriac.pool.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An execution pool: Celery's {@code celery.concurrency.base.BasePool}. The worker hands each task to the
 * active pool and gets a pending {@link TaskHandle} back.
 *
 * <p>Pools are registered as OSGi services of prototype scope with the properties of {@link PoolProperties};
 * every service object is one independent pool instance that goes once through the lifecycle of
 * {@link PoolState}. All methods are thread-safe. Only {@link #applyAsync} is on the hot path.
 *
 * <p>Operations that a pool cannot honour are named by {@link #capabilities()}; calling one that is not
 * declared throws {@link UnsupportedOperationException} with a message naming the pool.
 */
@ProviderType
public interface BasePool {

    /** The pool's primary name ({@code threads}, {@code green}, {@code solo}, {@code prefork}, ...). */
    String name();

    /** Whether tasks run on cheap cooperative workers (Celery's {@code is_green}). */
    boolean isGreen();

    /** Whether the pool may be driven from a signal handler (Celery's {@code signal_safe}). */
    boolean signalSafe();

    /** The optional operations this pool supports. */
    Set<PoolCapability> capabilities();

    /**
     * Tasks the worker knows that this pool cannot run, each with the reason, e.g. a prefork child cannot
     * have a service only the worker's own process provides. Such a task fails at once with that reason.
     * Empty by default: an in-process pool runs whatever the worker knows.
     *
     * @since 1.2
     */
    default Map<String, String> unavailableTasks() {
        return Map.of();
    }

    /** The current lifecycle state. */
    PoolState state();

    /**
     * Starts the pool (INIT → RUN), the analog of Celery's {@code on_start}. Blocks until the pool can take
     * tasks (for a process pool: until its children are up, within a bounded time).
     *
     * @throws IllegalStateException    not in INIT
     * @throws IllegalArgumentException the configuration is not valid for this pool (the message says why)
     */
    void start(PoolConfig config);

    /**
     * Accepts a task. Never blocks on task execution (the solo pool, which runs the task inline, is the
     * documented exception). Problems with the task itself (unknown name, expiry, failure) complete the
     * handle exceptionally; they are not thrown.
     *
     * @throws TaskRejectedException the pool is not in RUN
     * @throws NullPointerException  {@code request} is null
     */
    TaskHandle applyAsync(TaskRequest request);

    /**
     * As {@link #applyAsync(TaskRequest)}, and hands the task's handle to {@code beforeRun} on the calling
     * thread before the pool can run the task: callbacks attached there see its start even where the pool
     * runs the task inside this call (solo). A handle whose task the pool then refuses
     * ({@link TaskRejectedException}) never completes.
     *
     * @since 1.3
     */
    default TaskHandle applyAsync(TaskRequest request, Consumer<? super TaskHandle> beforeRun) {
        TaskHandle handle = applyAsync(request);
        beforeRun.accept(handle);
        return handle;
    }

    /**
     * Graceful stop (RUN → CLOSE → TERMINATE): accepts nothing new, lets accepted tasks (running and
     * queued) finish. Does not block.
     *
     * @return completes once every accepted task is done and the pool is in TERMINATE
     */
    CompletionStage<Void> stop();

    /**
     * Hard stop (→ TERMINATE): queued tasks and running tasks fail with {@link TaskTerminatedException};
     * workers are stopped (threads interrupted, children killed). Idempotent. Returns once nothing of the
     * pool runs any more, except threads that ignore interruption, which are abandoned.
     */
    void terminate();

    /**
     * Completes when the pool reaches TERMINATE, whichever way.
     */
    CompletionStage<Void> termination();

    /**
     * Takes back every accepted task that has not started yet, so that the caller can run it elsewhere (a
     * hot-swap or failover). Each returned request's handle in this pool fails with
     * {@link TaskRequeuedException}; the caller owns the request from then on. Running tasks are not
     * affected. Legal in any state.
     */
    List<TaskRequest> drainPending();

    /**
     * Terminates one task (Celery's {@code terminate_job}): a queued one is removed, a running one is
     * stopped; its handle fails with {@link TaskTerminatedException}. Requires {@link PoolCapability#TERMINATE_JOB}.
     *
     * @return {@code true} if the task was found and terminated, {@code false} if this pool does not have it
     */
    boolean terminateJob(String taskId);

    /**
     * Stops gracefully and waits up to {@code grace} for the accepted tasks to finish, then terminates what
     * is left: the one documented shutdown (Celery's warm shutdown bounded by a cold one). Returns at the
     * latest shortly after {@code grace}; an interrupt ends the wait early (and terminates).
     *
     * @return {@code true} if everything finished within the grace period
     * @since 1.3
     */
    default boolean close(Duration grace) {
        try {
            stop().toCompletableFuture().get(grace.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            // the grace ran out (or stopping failed): cut the rest off
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        terminate();
        return false;
    }

    /** Adds {@code n} workers (n ≥ 1). Requires {@link PoolCapability#RESIZE}. */
    void grow(int n);

    /** Removes {@code n} workers, idle ones first, never below one (n ≥ 1). Requires {@link PoolCapability#RESIZE}. */
    void shrink(int n);

    /** Replaces every worker, one at a time, without losing a task. Requires {@link PoolCapability#RESTART}. */
    void restart();

    /** A snapshot of counters and workers. */
    PoolStats stats();
}
