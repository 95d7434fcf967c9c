package org.celeriac.pool.api;

import java.util.List;

/**
 * A snapshot of a pool, Celery's {@code inspect stats} for one pool. Counters are read without stopping the
 * pool, so the figures are each exact but not taken at one instant.
 *
 * @param pool        the pool's name
 * @param state       its lifecycle state
 * @param concurrency configured workers
 * @param active      tasks running now
 * @param queued      tasks accepted and not started: the backlog (a prefork child's held tasks included)
 * @param completed   tasks that finished with a result
 * @param failed      tasks that failed, timed out, were terminated or whose worker was lost
 * @param workers     per-worker details (may be empty for pools whose workers are ephemeral)
 */
public record PoolStats(String pool, PoolState state, int concurrency, int active, int queued,
                        long completed, long failed, List<WorkerInfo> workers) {
    public PoolStats {
        workers = List.copyOf(workers);
    }
}
