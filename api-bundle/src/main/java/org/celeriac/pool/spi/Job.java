package org.celeriac.pool.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TimeLimitExceededException;

/**
 * One accepted task of an {@link InProcessPool}, from queue to completion, and the {@link TaskContext} the
 * task sees. A worker thread runs it with {@link #execute()}.
 *
 * <h2>State machine</h2> (field {@code state}, guarded by {@code this})
 * <pre>
 *   QUEUED --execute()--------> RUNNING --task returned------> DONE
 *   QUEUED --cancelQueued()---> CANCELLED (drained, terminated, or expired)
 *   RUNNING --abandon()-------> ABANDONED (hard limit or terminate: handle failed, thread interrupted and given up)
 * </pre>
 * Interrupts are sent only under the lock and only while the job is RUNNING on its thread, and the thread
 * clears its interrupt flag after leaving RUNNING, so an interrupt never leaks into the next task a pooled
 * thread runs.
 */
public final class Job implements TaskContext, Runnable {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int ABANDONED = 3;
    private static final int CANCELLED = 4;

    private final InProcessPool pool;
    private final PoolTaskHandle handle;
    private final Task task;
    private final Duration softLimit;
    private final Duration hardLimit;

    private int state = QUEUED;           // guarded by this
    private Thread thread;                // guarded by this
    private volatile String workerId;
    private volatile boolean cancelled;
    private volatile boolean softLimitHit;
    private volatile long startedNanos;
    private ScheduledFuture<?> softTimer; // written and cancelled by the running thread only
    private ScheduledFuture<?> hardTimer;
    private System.Logger logger;

    Job(InProcessPool pool, PoolTaskHandle handle, Task task, Duration softLimit, Duration hardLimit) {
        this.pool = pool;
        this.handle = handle;
        this.task = task;
        this.softLimit = softLimit;
        this.hardLimit = hardLimit;
    }

    /** The pool-side handle. */
    PoolTaskHandle handle() {
        return handle;
    }

    /**
     * Runs the task on the calling thread, unless the job was cancelled while queued.
     *
     * @return {@code false} if the job was abandoned while it ran: the pool has already released its worker
     *         slot, so the caller must not take another task on its behalf
     */
    public boolean execute() {
        Thread me = Thread.currentThread();
        TaskRequest request = handle.request();
        boolean expired = request.expires() != null && Instant.now().isAfter(request.expires());
        String worker = pool.workerId(me);
        synchronized (this) {
            if (state != QUEUED) {
                return true;
            }
            if (expired) {
                state = CANCELLED;
            } else {
                state = RUNNING;
                thread = me;
                workerId = worker;
            }
        }
        if (expired) {
            handle.fail(new TaskExpiredException("task " + request.name() + "[" + request.id()
                    + "] expired at " + request.expires() + " before it could start"));
            pool.jobFinished(this, false);
            return true;
        }
        startedNanos = System.nanoTime();
        pool.jobStarted(this);
        handle.markStarted(worker);
        armTimers();
        Object result = null;
        Throwable error = null;
        try {
            result = task.call(this, request.args(), request.kwargs());
        } catch (Throwable t) {
            error = t;
        }
        disarmTimers();
        boolean owned;
        synchronized (this) {
            thread = null;
            owned = state == RUNNING;
            if (owned) {
                state = DONE;
            }
        }
        Thread.interrupted(); // an interrupt aimed at this task must not reach the thread's next one
        if (!owned) {
            pool.abandonedJobReturned(this);
            return false;
        }
        if (error == null) {
            handle.succeed(result);
        } else {
            handle.fail(softLimitHit && !(error instanceof SoftTimeLimitExceededException)
                    ? new SoftTimeLimitExceededException(softLimitMessage(), error) : error);
        }
        pool.jobFinished(this, true);
        return true;
    }

    /** {@link #execute()} for executors. */
    @Override
    public void run() {
        execute();
    }

    /** Fails a job that has not started with {@code error}; {@code false} if it already started or ended. */
    boolean cancelQueued(Throwable error) {
        synchronized (this) {
            if (state != QUEUED) {
                return false;
            }
            state = CANCELLED;
        }
        cancelled = true;
        handle.fail(error);
        pool.jobFinished(this, false);
        return true;
    }

    /**
     * Stops the job whatever its stage: a queued one is cancelled, a running one fails with {@code error},
     * its thread is interrupted and given up (Java cannot stop a thread; the pool replaces it).
     *
     * @return {@code false} if the job had already ended
     */
    boolean abandon(Throwable error) {
        boolean wasRunning;
        synchronized (this) {
            if (state == QUEUED) {
                state = CANCELLED;
                wasRunning = false;
            } else if (state == RUNNING) {
                state = ABANDONED;
                thread.interrupt();
                wasRunning = true;
            } else {
                return false;
            }
        }
        cancelled = true;
        handle.fail(error);
        if (!wasRunning) {
            pool.removeQueued(this);
        }
        pool.jobFinished(this, wasRunning);
        if (wasRunning) {
            pool.jobAbandoned(this);
        }
        return true;
    }

    private void armTimers() {
        Duration soft = softLimit;
        Duration hard = hardLimit;
        if (soft != null) {
            softTimer = pool.schedule(this::softLimitReached, soft);
        }
        if (hard != null) {
            hardTimer = pool.schedule(() -> abandon(new TimeLimitExceededException(
                    "task " + handle.request().name() + "[" + handle.taskId() + "] exceeded its hard time limit of "
                            + hard + " on " + workerId)), hard);
        }
    }

    private void disarmTimers() {
        if (softTimer != null) {
            softTimer.cancel(false);
        }
        if (hardTimer != null) {
            hardTimer.cancel(false);
        }
    }

    private void softLimitReached() {
        softLimitHit = true;
        synchronized (this) {
            if (state == RUNNING) {
                thread.interrupt();
            }
        }
    }

    private String softLimitMessage() {
        return "task " + handle.request().name() + "[" + handle.taskId() + "] exceeded its soft time limit of " + softLimit;
    }

    /** Nanos since the task started, or 0 before. */
    long runningNanos() {
        long s = startedNanos;
        return s == 0 ? 0 : System.nanoTime() - s;
    }

    // ---- TaskContext -------------------------------------------------------------------------------------

    @Override
    public TaskRequest request() {
        return handle.request();
    }

    @Override
    public String workerId() {
        return workerId;
    }

    @Override
    public boolean isCancelled() {
        return cancelled || softLimitHit;
    }

    @Override
    public void checkSoftTimeLimit() {
        if (softLimitHit) {
            throw new SoftTimeLimitExceededException(softLimitMessage());
        }
    }

    @Override
    public System.Logger logger() {
        if (logger == null) {
            logger = System.getLogger("org.celeriac.task." + handle.request().name());
        }
        return logger;
    }
}
