package org.celeriac.pool.api;

/** Names of the service properties every {@link BasePool} service carries. */
public final class PoolProperties {
    /** The pool's name(s) ({@code String} or {@code String[]} for aliases), e.g. {@code threads}. */
    public static final String POOL_NAME = "pool.name";
    /** {@code Boolean}: whether the pool is green (cheap, cooperative concurrency), like Celery's {@code is_green}. */
    public static final String POOL_GREEN = "pool.green";
    /** {@code Boolean}: whether the pool is safe to use from a signal handler, like Celery's {@code signal_safe}. */
    public static final String POOL_SIGNAL_SAFE = "pool.signal.safe";

    private PoolProperties() {
    }
}
