package org.celeriac.pool.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;

/**
 * One accepted task of an {@link InProcessPool}, from queue to completion, and the {@link TaskContext} the
 * task sees. A worker thread runs it with {@link #execute()}.
 *
 * <h2>State machine</h2> (field {@code state}, changed only by CAS; lock-free because it is on every task's path)
 * <pre>
 *   QUEUED  --execute()-------------> RUNNING --task returned--> DONE
 *   QUEUED  --cancel / expiry-------> CANCELLED (drained, terminated, or expired before it started)
 *   RUNNING --abandon()-------------> INTERRUPTING --> ABANDONED (hard limit or terminate: handle failed,
 *                                                                 thread interrupted and given up)
 * </pre>
 * Interrupts are sent only from INTERRUPTING, which the runner waits out before it leaves RUNNING and clears
 * its interrupt flag, so an interrupt never leaks into the next task that a pooled thread runs. The soft
 * limit is a {@link SoftTimeLimit}, guarded the same way, which the runner finishes first.
 */
public final class Job implements TaskContext, Runnable {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    /** Transient: another thread is interrupting the task; the runner must not leave RUNNING meanwhile. */
    private static final int INTERRUPTING = 2;
    private static final int DONE = 3;
    private static final int ABANDONED = 4;
    private static final int CANCELLED = 5;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Job.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final InProcessPool pool;
    private final PoolTaskHandle handle;
    private final Task task;
    // Fields are few on purpose: a green pool holds a Job per task in flight, up to a million of them.
    /** QUEUED (0) until {@link #execute}: not initialised, because javac would emit a volatile store, a full fence per submit. */
    private volatile int state;
    private Thread thread;                // written before QUEUED -> RUNNING, read only after seeing RUNNING
    private SoftTimeLimit soft = SoftTimeLimit.NONE; // armed, read and finished by the running thread only
    private ScheduledFuture<?> hardTimer;  // written and cancelled by the running thread only

    Job(InProcessPool pool, PoolTaskHandle handle, Task task) {
        this.pool = pool;
        this.handle = handle;
        this.task = task;
    }

    /** The pool-side handle. */
    PoolTaskHandle handle() {
        return handle;
    }

    /** Whether the task was given up while it ran (its thread has not come back yet, or has). */
    boolean isAbandoned() {
        return state == ABANDONED;
    }

    /** Whether the task is running on a thread now. */
    boolean isRunning() {
        int s = state;
        return s == RUNNING || s == INTERRUPTING;
    }

    /**
     * Runs the task on the calling thread, unless the job was cancelled while queued.
     *
     * @return {@code false} if the job was abandoned while it ran: the pool has already released its worker
     *         slot, so the caller must not take another task on its behalf
     */
    public boolean execute() {
        return execute(null);
    }

    /**
     * {@link #execute()} on the worker of {@code slot}, which the task reports as its worker instead of the
     * thread's name (see {@link WorkerSlot#WorkerSlot(String, long, Job)}); {@code null}: the thread's name.
     */
    public boolean execute(WorkerSlot slot) {
        TaskExpiredException expired = handle.expiredBeforeStart();
        if (expired != null) {
            if (STATE.compareAndSet(this, QUEUED, CANCELLED)) {
                handle.fail(expired);
                pool.jobFinished(this);
            }
            return true;
        }
        TaskRequest request = handle.request();
        Thread me = Thread.currentThread();
        thread = me;
        if (pool.state() == PoolState.TERMINATE) {
            cancelQueued(new TaskTerminatedException("pool '" + pool.name() + "' was terminated before task "
                    + request.id() + " started"));
            return true;
        }
        if (pool.stopRequested(request.id())) { // terminated on its way here, where no scan could see it
            cancelQueued(new TaskTerminatedException("task " + request.id() + " was terminated before it started"));
            return true;
        }
        if (!STATE.compareAndSet(this, QUEUED, RUNNING)) {
            return true; // cancelled while queued: nothing to run, the slot is still ours
        }
        if (slot != null) {
            handle.markStarted(slot);
        } else {
            handle.markStarted(pool.workerId(me));
        }
        armTimers(request);
        Object result = null;
        Throwable error = null;
        try {
            result = task.call(this, request.args(), request.kwargs());
        } catch (Throwable t) {
            error = t;
        }
        soft.finish();
        if (hardTimer != null) {
            hardTimer.cancel(false);
        }
        boolean owned = leaveRunning();
        Thread.interrupted(); // an interrupt aimed at this task must not reach the thread's next one
        if (!owned) {
            pool.abandonedJobReturned(this);
            return false;
        }
        if (error == null) {
            handle.succeed(result);
        } else {
            handle.fail(soft.failure(error));
        }
        pool.jobFinished(this);
        return true;
    }

    /** RUNNING -> DONE, waiting out a concurrent interrupt; {@code false} if the job was abandoned. */
    private boolean leaveRunning() {
        for (;;) {
            int s = state;
            if (s == RUNNING && STATE.compareAndSet(this, RUNNING, DONE)) {
                return true;
            }
            if (s == INTERRUPTING) {
                Thread.onSpinWait(); // a few instructions: the interrupter is between two writes
                continue;
            }
            if (s == ABANDONED) {
                return false;
            }
        }
    }

    /**
     * Interrupts the running task and gives it up (RUNNING -> INTERRUPTING -> ABANDONED). The INTERRUPTING
     * step keeps the runner from finishing, and clearing its interrupt flag, while the interrupt is sent, so
     * that the interrupt can never hit the next task of a pooled thread.
     *
     * @return whether the task was running and has been interrupted
     */
    private boolean abandonRunning() {
        for (;;) {
            int s = state;
            if (s == INTERRUPTING) {
                Thread.onSpinWait();
                continue;
            }
            if (s != RUNNING) {
                return false;
            }
            if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
                thread.interrupt();
                state = ABANDONED;
                return true;
            }
        }
    }

    /** {@link #execute()} for executors. */
    @Override
    public void run() {
        execute();
    }

    /** Fails a job that has not started with {@code error}; {@code false} if it already started or ended. */
    boolean cancelQueued(Throwable error) {
        if (!STATE.compareAndSet(this, QUEUED, CANCELLED)) {
            return false;
        }
        handle.fail(error);
        pool.jobFinished(this);
        return true;
    }

    /**
     * Stops the job whatever its stage: a queued one is cancelled, a running one fails with {@code error},
     * its thread is interrupted and given up (Java cannot stop a thread; the pool replaces it).
     *
     * @return {@code false} if the job had already ended
     */
    boolean abandon(Throwable error) {
        if (STATE.compareAndSet(this, QUEUED, CANCELLED)) {
            handle.fail(error);
            pool.removeQueued(this);
            pool.jobFinished(this);
            return true;
        }
        if (!abandonRunning()) {
            return false;
        }
        handle.fail(error);
        pool.jobFinished(this);
        pool.jobAbandoned(this);
        return true;
    }

    /** The limits in effect when the task starts (a pool's config changes only with a restart). */
    private void armTimers(TaskRequest request) {
        Duration softLimit = pool.config().softTimeLimitFor(request);
        if (softLimit != null) {
            soft = SoftTimeLimit.arm(request, softLimit, pool.timers());
        }
        Duration hard = pool.config().timeLimitFor(request);
        if (hard != null) {
            hardTimer = pool.schedule(() -> abandon(new TimeLimitExceededException(
                    "task " + request.name() + "[" + handle.taskId() + "] exceeded its hard time limit of "
                            + hard + " on " + handle.workerId())), hard);
        }
    }

    // ---- TaskContext -------------------------------------------------------------------------------------

    @Override
    public TaskRequest request() {
        return handle.request();
    }

    @Override
    public String workerId() {
        return handle.workerId();
    }

    /** Also true from the moment a terminate or hard limit starts interrupting the task. */
    @Override
    public boolean isCancelled() {
        int s = state;
        return s == INTERRUPTING || s == ABANDONED || s == CANCELLED || soft.hit();
    }

    @Override
    public void checkSoftTimeLimit() {
        soft.check();
    }

    @Override
    public System.Logger logger() {
        return pool.taskLogger(handle.request().name());
    }
}
