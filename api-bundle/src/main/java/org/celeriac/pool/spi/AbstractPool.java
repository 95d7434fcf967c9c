package org.celeriac.pool.spi;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolEvents;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRejectedException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.UnknownTaskException;

/**
 * The template every pool extends, Celery's {@code BasePool} with its {@code on_*} hooks. It owns the
 * lifecycle state machine, argument and state validation, the completed/failed counters and event
 * publication; subclasses implement {@link #onStart}, {@link #onApply}, {@link #onStop} and
 * {@link #onTerminate}, and call {@link #terminated()} when the last task of a stopping pool is done.
 *
 * <h2>State machine</h2>
 * The state lives in {@link #state}; every transition happens under {@link #lifecycle}, reads are lock-free.
 * <pre>
 *   INIT  --start()-------------------------------> RUN      (onStart succeeded)
 *   INIT  --start() fails / stop() / terminate()--> TERMINATE
 *   RUN   --stop()--------------------------------> CLOSE    (onStop: finish what was accepted)
 *   CLOSE --terminated()--------------------------> TERMINATE (subclass: nothing left to run)
 *   RUN, CLOSE --terminate()----------------------> TERMINATE (onTerminate: cut everything off)
 * </pre>
 * {@code STARTED} is posted after INIT → RUN, {@code STOPPED} on reaching TERMINATE from RUN or CLOSE.
 */
public abstract class AbstractPool implements BasePool {
    /** How long a deactivated pool component lets its tasks finish before it terminates them. */
    public static final Duration DEACTIVATION_GRACE = Duration.ofSeconds(30);

    private static final System.Logger LOG = System.getLogger(AbstractPool.class.getName());

    private final String name;
    private final PoolEnvironment env;
    private final String instanceId = UUID.randomUUID().toString().substring(0, 8);
    /** Guards every state transition and the lifecycle hooks; never held while a task runs. */
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final PoolService declared;
    private volatile PoolState state = PoolState.INIT;
    private volatile PoolConfig config = PoolConfig.DEFAULTS;
    private final CompletableFuture<Void> termination = new CompletableFuture<>();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();

    /**
     * @param env where the pool finds tasks and posts events
     * @throws IllegalStateException the class is not annotated with {@link PoolService}
     */
    protected AbstractPool(PoolEnvironment env) {
        this.declared = getClass().getAnnotation(PoolService.class);
        if (declared == null || declared.name().length == 0 || declared.name()[0].isBlank()) {
            throw new IllegalStateException(getClass().getName() + " must declare its name with @"
                    + PoolService.class.getName() + "(name = \"...\")");
        }
        this.name = declared.name()[0];
        this.env = Objects.requireNonNull(env, "env");
    }

    // ---- hooks -------------------------------------------------------------------------------------------

    /** Creates the workers. Called once, under the lifecycle lock, in INIT. Throwing aborts the start. */
    protected abstract void onStart(PoolConfig config);

    /**
     * Queues or runs the task; must not block on its execution (solo excepted). The handle is fresh and
     * pending. Throw {@link TaskRejectedException} if the pool closed meanwhile.
     */
    protected abstract void onApply(PoolTaskHandle handle, Task task);

    /** Begins a graceful stop (state is already CLOSE); call {@link #terminated()} once nothing is left. */
    protected abstract void onStop();

    /** Cuts off queued and running tasks with {@code TaskTerminatedException} and stops the workers. */
    protected abstract void onTerminate();

    /** Releases what the pool still holds (timers, idle threads) once it reached TERMINATE; under the lifecycle lock. */
    protected void onTerminated() {
    }

    // ---- lifecycle ---------------------------------------------------------------------------------------

    /** The primary name of {@link PoolService#name()}. */
    @Override
    public final String name() {
        return name;
    }

    /** As declared by {@link PoolService#green()}. */
    @Override
    public final boolean isGreen() {
        return declared.green();
    }

    /** As declared by {@link PoolService#signal_safe()}. */
    @Override
    public final boolean signalSafe() {
        return declared.signal_safe();
    }

    @Override
    public final PoolState state() {
        return state;
    }

    /** The configuration given to {@link #start}; {@link PoolConfig#DEFAULTS} before. */
    protected final PoolConfig config() {
        return config;
    }

    /** The environment given at construction. */
    protected final PoolEnvironment environment() {
        return env;
    }

    @Override
    public Set<PoolCapability> capabilities() {
        return EnumSet.noneOf(PoolCapability.class);
    }

    @Override
    public final void start(PoolConfig config) {
        Objects.requireNonNull(config, "config");
        lifecycle.lock();
        try {
            if (state != PoolState.INIT) {
                throw new IllegalStateException("pool '" + name + "' can be started only once, in INIT; it is " + state);
            }
            this.config = config;
            try {
                onStart(config);
            } catch (RuntimeException | Error e) {
                state = PoolState.TERMINATE;
                termination.complete(null);
                throw e;
            }
            state = PoolState.RUN;
        } finally {
            lifecycle.unlock();
        }
        publish(PoolEvents.TOPIC_POOL_STARTED, Map.of());
        LOG.log(Level.DEBUG, () -> "pool " + this + " started with " + config);
    }

    @Override
    public final TaskHandle applyAsync(TaskRequest request) {
        return applyAsync(request, handle -> { });
    }

    @Override
    public final TaskHandle applyAsync(TaskRequest request, Consumer<? super TaskHandle> beforeRun) {
        Objects.requireNonNull(request, "request");
        checkAccepting();
        Task task;
        try {
            task = env.tasks().lookup(request.name());
        } catch (UnknownTaskException e) {
            PoolTaskHandle refused = new PoolTaskHandle(request, this);
            beforeRun.accept(refused);
            refused.fail(e);
            return refused;
        }
        PoolTaskHandle handle = newHandle(request, task);
        beforeRun.accept(handle);
        onApply(handle, task);
        return handle;
    }

    /**
     * The handle for a task about to be {@linkplain #onApply applied}: a plain {@link PoolTaskHandle} here; an
     * in-process pool's {@link Job}, which is its own handle.
     */
    PoolTaskHandle newHandle(TaskRequest request, Task task) {
        return new PoolTaskHandle(request, this);
    }

    /** @throws TaskRejectedException unless the pool is in RUN */
    protected final void checkAccepting() {
        PoolState s = state;
        if (s != PoolState.RUN) {
            throw new TaskRejectedException("pool '" + name + "' is in " + s + " and accepts no new tasks"
                    + (s == PoolState.INIT ? " (start it first)" : ""));
        }
    }

    @Override
    public final CompletionStage<Void> stop() {
        lifecycle.lock();
        try {
            switch (state) {
                case INIT -> reachTerminate(false);
                case RUN -> {
                    state = PoolState.CLOSE;
                    onStop();
                }
                default -> { }
            }
        } finally {
            lifecycle.unlock();
        }
        return termination();
    }

    @Override
    public final void terminate() {
        lifecycle.lock();
        try {
            PoolState s = state;
            if (s == PoolState.TERMINATE) {
                return;
            }
            if (s == PoolState.INIT) {
                reachTerminate(false);
                return;
            }
            state = PoolState.CLOSE; // refuse new tasks while the subclass cuts the running ones off
            onTerminate();
            reachTerminate(true);
        } finally {
            lifecycle.unlock();
        }
    }

    /** Subclasses call this when a stopping pool has nothing left to run; idempotent. */
    protected final void terminated() {
        lifecycle.lock();
        try {
            if (state == PoolState.CLOSE) {
                reachTerminate(true);
            }
        } finally {
            lifecycle.unlock();
        }
    }

    private void reachTerminate(boolean wasStarted) {
        assert lifecycle.isHeldByCurrentThread();
        state = PoolState.TERMINATE;
        try {
            onTerminated();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pool " + this + " failed to release its resources", e);
        }
        if (wasStarted) {
            publish(PoolEvents.TOPIC_POOL_STOPPED, Map.of());
        }
        termination.complete(null);
    }

    /**
     * Component deactivation (the pool's bundle stops, or its service object is released): the graceful
     * {@link #close(Duration)} within {@link #DEACTIVATION_GRACE}. DS finds it on every pool component
     * through bnd's {@code -dsannotations-options: inherit}.
     */
    @org.osgi.service.component.annotations.Deactivate
    protected void deactivate() {
        if (!close(DEACTIVATION_GRACE)) {
            LOG.log(Level.WARNING, "pool " + this + " did not finish its tasks within " + DEACTIVATION_GRACE + "; terminated it");
        }
    }

    /** Unsupported unless overridden by a pool that declares {@link PoolCapability#RESIZE}. */
    @Override
    public void grow(int n) {
        throw unsupported("grow");
    }

    /** Unsupported unless overridden by a pool that declares {@link PoolCapability#RESIZE}. */
    @Override
    public void shrink(int n) {
        throw unsupported("shrink");
    }

    /** Unsupported unless overridden by a pool that declares {@link PoolCapability#RESTART}. */
    @Override
    public void restart() {
        throw unsupported("restart");
    }

    private UnsupportedOperationException unsupported(String operation) {
        return new UnsupportedOperationException("pool '" + name + "' does not support " + operation
                + " (capabilities: " + capabilities() + ")");
    }

    @Override
    public final CompletionStage<Void> termination() {
        return termination.minimalCompletionStage();
    }

    /** @throws IllegalArgumentException unless {@code n >= 1} */
    protected static void requirePositiveCount(int n, String operation) {
        if (n < 1) {
            throw new IllegalArgumentException(operation + " needs a count >= 1, was " + n);
        }
    }

    // ---- counters and events ----------------------------------------------------------------------------

    /** Tasks that completed with a result. */
    protected final long completedCount() {
        return completed.sum();
    }

    /** Tasks that failed (requeued ones excluded: they are not failures). */
    protected final long failedCount() {
        return failed.sum();
    }

    /**
     * Terminates the task of {@code handle} ({@link PoolTaskHandle#terminate()}). By default
     * {@link #terminateJob(String) terminateJob} by its id; a pool that can do better with the handle in
     * hand overrides it (in-process pools wait exactly as long as the task has not ended).
     *
     * @since 1.4
     */
    protected boolean terminate(PoolTaskHandle handle) {
        return terminateJob(handle.taskId());
    }

    void taskStarted(PoolTaskHandle handle) {
        if (config.taskEvents()) {
            publish(PoolEvents.TOPIC_TASK_PRERUN, taskProps(handle, null));
        }
    }

    /** Counts a completion ({@code delta} 1) or takes it back (-1); a requeue is not a failure. */
    void countCompletion(Throwable error, int delta) {
        if (error == null) {
            completed.add(delta);
        } else if (!(error instanceof TaskRequeuedException)) {
            failed.add(delta);
        }
    }

    /** Posts the task's end events, once, after its outcome is stored (only with {@code taskEvents}). */
    void taskEnded(PoolTaskHandle handle, Throwable error) {
        if (!config.taskEvents() || error instanceof TaskRequeuedException) {
            return;
        }
        Map<String, Object> props = taskProps(handle, error);
        if (error != null) {
            publish(PoolEvents.TOPIC_TASK_FAILURE, props);
        }
        publish(PoolEvents.TOPIC_TASK_POSTRUN, props);
    }

    private static Map<String, Object> taskProps(PoolTaskHandle handle, Throwable error) {
        Map<String, Object> props = new HashMap<>();
        props.put(PoolEvents.TASK_ID, handle.taskId());
        props.put(PoolEvents.TASK_NAME, handle.request().name());
        props.put(PoolEvents.TASK_STATE, handle.state().name());
        if (handle.workerId() != null) {
            props.put(PoolEvents.WORKER, handle.workerId());
        }
        if (error != null) {
            props.put(PoolEvents.ERROR, String.valueOf(error));
        }
        return props;
    }

    /** Posts an event with the pool's name and instance added; a failing event service is logged, never thrown. */
    protected final void publish(String topic, Map<String, Object> properties) {
        Map<String, Object> props = new HashMap<>(properties);
        props.put(PoolEvents.POOL, name);
        props.put(PoolEvents.POOL_INSTANCE, instanceId);
        try {
            env.publish(topic, props);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not post event " + topic + " of pool " + this, e);
        }
    }

    @Override
    public String toString() {
        return name + "#" + instanceId + "[" + state + "]";
    }
}
