package org.celeriac.worker.impl;

import java.lang.invoke.MethodHandles;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.spi.OwnedFuture;
import org.celeriac.pool.spi.PoolTaskHandle;
import org.celeriac.pool.spi.StartSignal;
import org.celeriac.worker.api.WorkerObserver;

/**
 * The handle the worker gives out. Unlike a pool's handle it outlives pools: it is attached to one pool
 * handle at a time, and when that pool hands the task back ({@link TaskRequeuedException}), the worker
 * attaches it to the next pool. It completes exactly once, with the outcome of the pool that ran the task.
 */
final class WorkerTaskHandle implements TaskHandle {
    private final TaskRequest request;
    private final TaskBook book;
    private final Predicate<String> terminator;
    /** Given out as it is by {@link #result()}: only this handle completes it. */
    private final OwnedFuture<Object> future = new OwnedFuture<>();
    /** See {@link StartSignal}: null, the worker id, or the stage someone asked for. */
    private volatile Object startState;
    private static final StartSignal START_SIGNAL;

    static {
        try {
            START_SIGNAL = new StartSignal(MethodHandles.lookup().findVarHandle(WorkerTaskHandle.class, "startState", Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private volatile TaskHandle poolHandle;
    private volatile BasePool pool;
    private volatile TaskState finalState;
    /**
     * The observers when it was submitted (usually none: then nothing below is done). Set before the task is
     * routed; the hand-off to a pool orders it before the completion that reads it.
     */
    private WorkerObserver[] observers = NO_OBSERVERS;
    /** {@link System#nanoTime()} at its start on a pool's worker, 0 until then; kept only for observers. */
    private volatile long startedNanos;
    static final WorkerObserver[] NO_OBSERVERS = new WorkerObserver[0];

    /** {@code terminator} terminates a task by id wherever it is (the worker's {@code terminate}). */
    WorkerTaskHandle(TaskRequest request, TaskBook book, Predicate<String> terminator) {
        this.request = request;
        this.book = book;
        this.terminator = terminator;
    }

    @Override
    public TaskRequest request() {
        return request;
    }

    /** A handle that failed at once and was never pending (a task refused before the book admitted it). */
    static WorkerTaskHandle failed(TaskRequest request, Throwable error) {
        WorkerTaskHandle h = new WorkerTaskHandle(request, new TaskBook(0), id -> false);
        h.fail(error);
        return h;
    }

    /**
     * Tells {@code observers} of this task from now on: it was received, and (at its end) how it finished and
     * how long it ran, for which its start is followed. Called once, before the task is routed.
     */
    void observe(WorkerObserver[] observers) {
        if (observers.length == 0) {
            return;
        }
        this.observers = observers;
        for (WorkerObserver o : observers) {
            notify(o, () -> o.taskReceived(this));
        }
        started().thenAccept(worker -> {
            if (worker != null) {
                startedNanos = System.nanoTime();
            }
        });
    }

    private static void notify(WorkerObserver o, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            System.getLogger(WorkerTaskHandle.class.getName()).log(System.Logger.Level.WARNING,
                    "worker observer " + o.getClass().getName() + " failed: " + e, e);
        }
    }

    /** The handle of the pool the task was last attached to, or {@code null} before the first. */
    TaskHandle poolHandle() {
        return poolHandle;
    }

    /** The pool the task was last handed to, or {@code null} while it waits for one. */
    BasePool pool() {
        return pool;
    }

    /**
     * Notes that the task is being handed to {@code owner} ({@code null}: it was refused and waits again).
     * Set before {@code applyAsync} because the solo pool runs the task inside that call: a terminate meanwhile
     * must reach the pool, not just fail this handle while the task runs on.
     */
    void handingTo(BasePool owner) {
        this.pool = owner;
    }

    /** Hands the task to {@code handle} of {@code owner}; its outcome completes this handle unless it is a requeue. */
    void attach(BasePool owner, TaskHandle handle) {
        this.pool = owner;
        this.poolHandle = handle;
        if (START_SIGNAL.asked(this)) {
            follow(handle);
        }
        if (handle instanceof PoolTaskHandle own) {
            own.whenDone(this::outcome); // no dependent stage per task
        } else {
            handle.result().whenComplete(this::outcome);
        }
    }

    /** The outcome of the pool handle it is attached to. */
    private void outcome(Object value, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TaskRequeuedException) {
            return; // whoever drained it routes it again
        }
        if (cause == null) {
            succeed(value);
        } else {
            fail(cause);
        }
    }

    /** Completes with the task's value; {@code false} if the handle was complete already. */
    boolean succeed(Object value) {
        return complete(TaskState.SUCCESS, value, null);
    }

    /** Completes with a failure, its state following from the error's type; {@code false} if complete already. */
    boolean fail(Throwable error) {
        return complete(TaskState.ofFailure(error), null, error);
    }

    private boolean complete(TaskState state, Object value, Throwable error) {
        synchronized (this) {
            if (finalState != null) {
                return false;
            }
            finalState = state;
        }
        // The id is free before anyone hears of the outcome: a broker that resends the task (a retry) from a
        // completion callback must find no pending task under that id.
        book.finished(this);
        START_SIGNAL.ended(this); // completes with null only if it never started
        if (error == null) {
            future.settle(value);
        } else {
            future.settleExceptionally(error);
        }
        if (observers.length > 0) {
            long started = startedNanos;
            long runNanos = started == 0 ? -1 : System.nanoTime() - started;
            BasePool p = pool;
            String poolName = p == null ? null : p.name();
            for (WorkerObserver o : observers) {
                notify(o, () -> o.taskFinished(this, poolName, runNanos, error));
            }
        }
        return true;
    }

    boolean isDone() {
        return finalState != null;
    }

    @Override
    public TaskState state() {
        TaskState s = finalState;
        if (s != null && future.isDone()) {
            return s; // a final state only with its result: whoever sees SUCCESS can read the value at once
        }
        TaskHandle h = poolHandle;
        if (h == null) {
            return TaskState.PENDING;
        }
        TaskState ps = h.state();
        if (!ps.isDone()) {
            return ps;
        }
        return ps == TaskState.REQUEUED ? TaskState.PENDING : TaskState.STARTED; // moving to another pool, or ran and completing here
    }

    @Override
    public String workerId() {
        TaskHandle h = poolHandle;
        return h == null ? null : h.workerId();
    }

    @Override
    public CompletionStage<String> started() {
        CompletionStage<String> stage = START_SIGNAL.stage(this);
        TaskHandle h = poolHandle;
        if (h != null) {
            follow(h); // asked after the hand-off; following twice is harmless
        }
        return stage;
    }

    /** Takes the start from a pool's handle; {@code null} there means that pool did not start it (another may). */
    private void follow(TaskHandle handle) {
        handle.started().thenAccept(worker -> {
            if (worker != null) {
                START_SIGNAL.started(this, worker);
            }
        });
    }

    @Override
    public CompletionStage<Object> result() {
        return future;
    }


    @Override
    public boolean terminate() {
        return terminator.test(request.id());
    }

    @Override
    public String toString() {
        return request.name() + "[" + request.id() + "] " + state();
    }
}
