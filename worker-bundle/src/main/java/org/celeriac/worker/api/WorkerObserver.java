package org.celeriac.worker.api;

import org.celeriac.pool.api.TaskHandle;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: the worker tells every service of this type what happens to its tasks and pools, the way
 * Celery's worker sends {@code task-received}/{@code task-succeeded} events, but in process and without
 * Event Admin's per-event cost. Metrics and dashboards are its clients.
 *
 * <p>Calls come on the worker's and the pools' threads, in the order things happen for one task, and may
 * come concurrently for different tasks: an observer must be thread-safe and quick (count, enqueue), never
 * block. An exception it throws is logged and ignored. While no observer is registered the worker does none
 * of this work.
 *
 * @since 1.4
 */
@ConsumerType
public interface WorkerObserver {
    /** The worker accepted {@code task} (before any pool sees it). */
    void taskReceived(TaskHandle task);

    /**
     * {@code task} ended; its {@link TaskHandle#state() state} is final.
     *
     * @param pool     the pool it ran on (or was last handed to), or {@code null} if it never reached one
     * @param runNanos from its start on a pool's worker to its end, or {@code -1} if it never started
     * @param error    why it failed, or {@code null} if it succeeded
     */
    void taskFinished(TaskHandle task, String pool, long runNanos, Throwable error);

    /**
     * {@code pool} became the active pool: at start, by a hot-swap ({@link Worker#use}, a configuration
     * change, a restart by swap) or by a failover.
     *
     * @param previous the pool it replaced, or {@code null} if none was active
     */
    void poolActivated(String pool, String previous);
}
