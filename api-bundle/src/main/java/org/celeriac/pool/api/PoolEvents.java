package org.celeriac.pool.api;

/**
 * Event Admin topics and property keys: the analog of Celery's signals ({@code worker_process_init},
 * {@code eventlet_pool_started}, {@code task_prerun}, ...). Pool lifecycle events are always posted when an
 * Event Admin service is present; task events only when {@link PoolConfig#taskEvents()} is on (Celery's
 * {@code -E}), because they cost a few hundred nanoseconds per task.
 */
public final class PoolEvents {
    public static final String TOPIC_POOL_STARTED = "org/celeriac/pool/STARTED";
    public static final String TOPIC_POOL_STOPPED = "org/celeriac/pool/STOPPED";
    public static final String TOPIC_WORKER_UP = "org/celeriac/pool/WORKER_UP";
    public static final String TOPIC_WORKER_LOST = "org/celeriac/pool/WORKER_LOST";
    public static final String TOPIC_WORKER_RETIRED = "org/celeriac/pool/WORKER_RETIRED";
    public static final String TOPIC_TASK_PRERUN = "org/celeriac/task/PRERUN";
    public static final String TOPIC_TASK_POSTRUN = "org/celeriac/task/POSTRUN";
    public static final String TOPIC_TASK_FAILURE = "org/celeriac/task/FAILURE";

    /** Every pool event: the pool's name. */
    public static final String POOL = "pool.name";
    /** Pool events: the pool instance's identity, to tell two instances of one pool apart during a hot-swap. */
    public static final String POOL_INSTANCE = "pool.instance";
    /** Worker events: the worker id (thread name, virtual thread id or child pid). */
    public static final String WORKER = "worker.id";
    /**
     * WORKER_UP: how long the worker took from its start to ready, in nanoseconds ({@code Long}); for a
     * prefork child, from its spawn to its WORKER_UP.
     *
     * @since 1.3
     */
    public static final String STARTUP_NANOS = "worker.startup.nanos";
    /** Task events: the task id. */
    public static final String TASK_ID = "task.id";
    /** Task events: the task name. */
    public static final String TASK_NAME = "task.name";
    /** POSTRUN: the final {@link TaskState} name. */
    public static final String TASK_STATE = "task.state";
    /**
     * WORKER_RETIRED: why the worker was retired: {@code max-tasks}, {@code max-memory}, {@code shrink},
     * {@code restart}, {@code task-set-changed}, {@code pool-stopped} (or {@code retired} when a pool does not say).
     *
     * @since 1.4
     */
    public static final String REASON = "reason";
    /** FAILURE and WORKER_LOST: a one-line description of the error. */
    public static final String ERROR = "error";

    private PoolEvents() {
    }
}
