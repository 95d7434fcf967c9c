package org.celeriac.pool.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.TaskExpiredException;

/**
 * The {@link TaskHandle} that {@link AbstractPool} gives out. Pool authors complete it with
 * {@link #succeed(Object)} or {@link #fail(Throwable)}: the first completion wins, later ones return
 * {@code false} and change nothing, so a timer and the task itself may race safely. Each completion is
 * counted once by the owning pool.
 *
 * <p>Sealed: its one subclass is an in-process pool's {@link Job}, which is its own handle.
 */
public sealed class PoolTaskHandle implements TaskHandle permits Job {
    private final TaskRequest request;
    private final AbstractPool pool;
    /**
     * {@code null} while pending and nobody waits, a {@link Waiters} future while pending and someone waits or
     * listens, then the outcome: the value ({@link #NULL} for {@code null}) or a {@link Failure}. One field,
     * and a future made only when asked for, because a green pool holds a handle per task in flight and most
     * are never waited on before they end: 24 bytes each.
     *
     * <p>The outcome is also the final state ({@link #state()} derives it), and the CAS that stores it is the
     * one that decides which completion wins; STARTED is read from the start signal. So a task's start and
     * end cost two atomic operations on the handle, not four: each was a cache line fought over by the two
     * workers of a threads pool running neighbouring tasks (JFR: two fifths of a worker's samples).
     */
    private volatile Object result;
    private static final Object NULL = new Object();
    private static final VarHandle RESULT;
    /** See {@link StartSignal}: null, the worker id, or the stage someone asked for. */
    private volatile Object startState;
    private static final StartSignal START_SIGNAL;

    static {
        try {
            RESULT = MethodHandles.lookup().findVarHandle(PoolTaskHandle.class, "result", Object.class);
            START_SIGNAL = new StartSignal(MethodHandles.lookup().findVarHandle(PoolTaskHandle.class, "startState", Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    PoolTaskHandle(TaskRequest request, AbstractPool pool) {
        this.request = request;
        this.pool = pool;
    }

    /** The pool that gave this handle out. */
    final AbstractPool owner() {
        return pool;
    }

    @Override
    public TaskRequest request() {
        return request;
    }

    /**
     * Celery's {@code expires}: the error for a task whose expiry passed before it could start, or
     * {@code null} while it may still start. Pools ask when a task leaves their queue for a worker.
     */
    public TaskExpiredException expiredBeforeStart() {
        Instant expires = request.expires();
        return expires != null && Instant.now().isAfter(expires) ? new TaskExpiredException("task " + request.name()
                + "[" + request.id() + "] expired at " + expires + " before it could start") : null;
    }

    @Override
    public TaskState state() {
        TaskState s = finalState(result);
        if (s != null) {
            return s;
        }
        boolean started = START_SIGNAL.hasStarted(this);
        s = finalState(result); // read again: an end meanwhile wins over what the start signal said
        return s != null ? s : started ? TaskState.STARTED : TaskState.PENDING;
    }

    /** The final state an outcome stands for; {@code null} while pending. */
    private static TaskState finalState(Object r) {
        if (r == null || r instanceof Waiters) {
            return null;
        }
        return r instanceof Failure f ? TaskState.ofFailure(f.error()) : TaskState.SUCCESS;
    }

    @Override
    public String workerId() {
        return START_SIGNAL.worker(this);
    }

    @Override
    public CompletionStage<String> started() {
        return START_SIGNAL.stage(this);
    }

    /** The handle's own future, given out as it is: its readers cannot complete it ({@link OwnedFuture}). */
    @Override
    public CompletionStage<Object> result() {
        return future();
    }

    private record Failure(Throwable error) {
    }

    /** The future of a pending handle that someone waits on; a class of its own, so no task's value is taken for it. */
    private static class Waiters extends OwnedFuture<Object> {
    }

    /**
     * Waiters whose first listener is called directly at completion: as small as a bare future (the field
     * fits in its padding), where {@code whenComplete} adds a dependent and a stage (64 bytes per task in
     * flight, for the worker's handle that follows every pool handle).
     */
    private static final class Listened extends Waiters {
        final BiConsumer<Object, Throwable> listener;

        Listened(BiConsumer<Object, Throwable> listener) {
            this.listener = listener;
        }
    }

    /**
     * Calls {@code listener} once with the value or the failure (the task's own exception, never wrapped)
     * when the task completes, on the completing thread, or at once on this one if it has. The cheap form of
     * {@code result().whenComplete(listener)} for whoever follows every handle (the worker).
     *
     * @since 1.4
     */
    public void whenDone(BiConsumer<Object, Throwable> listener) {
        Objects.requireNonNull(listener, "listener");
        if (result == null && RESULT.compareAndSet(this, null, new Listened(listener))) {
            return;
        }
        future().whenComplete(listener); // someone waits already, or it is done: the ordinary way
    }

    /** The pending handle's {@link Waiters}, made on first use, or a completed future once complete. */
    private OwnedFuture<Object> future() {
        for (;;) {
            Object r = result;
            if (r instanceof Waiters w) {
                return w;
            }
            if (r != null) {
                OwnedFuture<Object> done = new OwnedFuture<>();
                complete(done, r);
                return done;
            }
            Waiters made = new Waiters();
            if (RESULT.compareAndSet(this, null, made)) {
                return made;
            }
        }
    }

    private static void complete(OwnedFuture<Object> f, Object outcome) {
        if (outcome instanceof Failure failure) {
            f.settleExceptionally(failure.error());
        } else {
            f.settle(outcome == NULL ? null : outcome);
        }
    }

    /** A listener's failure stays with it, as in {@code whenComplete}: the completing pool thread goes on. */
    private void notify(BiConsumer<Object, Throwable> listener, Object outcome) {
        try {
            listener.accept(outcome instanceof Failure || outcome == NULL ? null : outcome,
                    outcome instanceof Failure f ? f.error() : null);
        } catch (RuntimeException | Error e) {
            System.getLogger(PoolTaskHandle.class.getName()).log(System.Logger.Level.ERROR,
                    "a listener of task " + request.id() + " failed", e);
        }
    }

    /** Waits on the future itself: the default goes through {@link #result()}, a new stage and a dependent per call. */
    @Override
    public Object await(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        Object r = result;
        if (r != null && !(r instanceof Waiters) && !(r instanceof Failure)) {
            return r == NULL ? null : r; // succeeded: no future needed (a failure goes through one, for get's exceptions)
        }
        return future().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean terminate() {
        return !isDone() && pool.terminate(this);
    }

    /** Whether the result is complete. */
    public boolean isDone() {
        Object r = result;
        return r != null && !(r instanceof Waiters);
    }

    /** Marks the task as running on {@code worker}; ignored once the handle is complete, or started. */
    public void markStarted(String worker) {
        if (START_SIGNAL.started(this, worker)) {
            pool.taskStarted(this);
        }
    }

    /** {@link #markStarted(String)} with the worker's id made only when asked (see {@link WorkerSlot}). */
    void markStarted(WorkerSlot worker) {
        if (START_SIGNAL.started(this, worker)) {
            pool.taskStarted(this);
        }
    }

    /** {@link #markStarted(String)} on the job's own thread, its id made only when asked. */
    void markStarted(Job self) {
        if (START_SIGNAL.started(this, self)) {
            pool.taskStarted(this);
        }
    }

    /** Completes with the task's result; {@code false} if already complete. */
    public boolean succeed(Object value) {
        return complete(value == null ? NULL : value, null);
    }

    /** Completes with a failure; {@code false} if already complete. The state follows from the error's type. */
    public boolean fail(Throwable error) {
        return complete(new Failure(error), error);
    }

    /**
     * Stores the outcome if the handle is pending (the first completion wins), then completes the waiters'
     * future, if any. The pool counts the completion before the outcome is visible, so whoever sees it can
     * read it in the stats; a completion that then loses the race takes its count back.
     */
    private boolean complete(Object outcome, Throwable error) {
        if (isDone()) {
            return false;
        }
        START_SIGNAL.ended(this); // null for started() unless it started; whichever completion wins, it ends
        pool.countCompletion(error, 1);
        for (;;) {
            Object before = result;
            if (before != null && !(before instanceof Waiters)) {
                pool.countCompletion(error, -1);
                return false;
            }
            if (RESULT.compareAndSet(this, before, outcome)) {
                if (before instanceof Waiters w) {
                    complete(w, outcome);
                    if (w instanceof Listened l) {
                        notify(l.listener, outcome);
                    }
                }
                pool.taskEnded(this, error);
                return true;
            }
        }
    }

    @Override
    public String toString() {
        return "TaskHandle[" + request.name() + " " + request.id() + " " + state() + "]";
    }
}
