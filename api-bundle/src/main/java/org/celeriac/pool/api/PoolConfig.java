package org.celeriac.pool.api;

import java.time.Duration;
import java.util.Map;

/**
 * How to start a pool: Celery's {@code worker_concurrency}, {@code task_soft_time_limit},
 * {@code task_time_limit}, {@code worker_max_tasks_per_child} and {@code worker_max_memory_per_child}, plus
 * pool-specific options. Immutable; the constructor rejects bad values with a message naming them.
 *
 * @param concurrency        workers (threads, in-flight green tasks, child processes); {@code 0} = the pool's default
 * @param softTimeLimit      default soft limit for tasks that set none; {@code null} = none
 * @param timeLimit          default hard limit for tasks that set none; {@code null} = none
 * @param maxTasksPerChild   recycle a child after this many tasks (process pools); {@code 0} = never
 * @param maxMemoryPerChild  recycle a child whose memory exceeds this many bytes (process pools); {@code 0} = never
 * @param taskEvents         post task PRERUN/POSTRUN/FAILURE events (Celery's {@code -E}); lifecycle events are always posted
 * @param options            pool-specific string options (documented by each pool)
 */
public record PoolConfig(int concurrency, Duration softTimeLimit, Duration timeLimit, int maxTasksPerChild,
                         long maxMemoryPerChild, boolean taskEvents, Map<String, String> options) {

    /** Every value at its default: the pool's own concurrency, no limits, no recycling, no task events. */
    public static final PoolConfig DEFAULTS = new PoolConfig(0, null, null, 0, 0, false, Map.of());

    public PoolConfig {
        if (concurrency < 0) {
            throw new IllegalArgumentException("concurrency must be >= 0 (0 = the pool's default), was " + concurrency);
        }
        if (maxTasksPerChild < 0) {
            throw new IllegalArgumentException("maxTasksPerChild must be >= 0 (0 = never recycle), was " + maxTasksPerChild);
        }
        if (maxMemoryPerChild < 0) {
            throw new IllegalArgumentException("maxMemoryPerChild must be >= 0 (0 = never recycle), was " + maxMemoryPerChild);
        }
        for (Duration d : new Duration[] {softTimeLimit, timeLimit}) {
            if (d != null && (d.isNegative() || d.isZero())) {
                throw new IllegalArgumentException("time limits must be positive, was " + d);
            }
        }
        if (softTimeLimit != null && timeLimit != null && softTimeLimit.compareTo(timeLimit) > 0) {
            throw new IllegalArgumentException("softTimeLimit " + softTimeLimit + " exceeds timeLimit " + timeLimit);
        }
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /**
     * The soft time limit {@code request} runs under: its own, else this default ({@code null}: none).
     *
     * @since 1.3
     */
    public Duration softTimeLimitFor(TaskRequest request) {
        return request.softTimeLimit() != null ? request.softTimeLimit() : softTimeLimit;
    }

    /**
     * The hard time limit {@code request} runs under: its own, else this default ({@code null}: none).
     *
     * @since 1.3
     */
    public Duration timeLimitFor(TaskRequest request) {
        return request.timeLimit() != null ? request.timeLimit() : timeLimit;
    }

    /** The defaults with the given concurrency. */
    public static PoolConfig ofConcurrency(int concurrency) {
        return DEFAULTS.withConcurrency(concurrency);
    }

    public PoolConfig withConcurrency(int n) {
        return new PoolConfig(n, softTimeLimit, timeLimit, maxTasksPerChild, maxMemoryPerChild, taskEvents, options);
    }

    public PoolConfig withTimeLimits(Duration soft, Duration hard) {
        return new PoolConfig(concurrency, soft, hard, maxTasksPerChild, maxMemoryPerChild, taskEvents, options);
    }

    public PoolConfig withMaxTasksPerChild(int n) {
        return new PoolConfig(concurrency, softTimeLimit, timeLimit, n, maxMemoryPerChild, taskEvents, options);
    }

    public PoolConfig withMaxMemoryPerChild(long bytes) {
        return new PoolConfig(concurrency, softTimeLimit, timeLimit, maxTasksPerChild, bytes, taskEvents, options);
    }

    public PoolConfig withTaskEvents(boolean on) {
        return new PoolConfig(concurrency, softTimeLimit, timeLimit, maxTasksPerChild, maxMemoryPerChild, on, options);
    }

    public PoolConfig withOptions(Map<String, String> opts) {
        return new PoolConfig(concurrency, softTimeLimit, timeLimit, maxTasksPerChild, maxMemoryPerChild, taskEvents, opts);
    }

    /** The concurrency to use: the configured one, or {@code poolDefault} when it is 0. */
    public int concurrencyOr(int poolDefault) {
        return concurrency == 0 ? poolDefault : concurrency;
    }
}
