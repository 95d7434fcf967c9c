package org.celeriac.pool.spi;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskRequest;

/**
 * The soft time limit of one run of a task (Celery's {@code SoftTimeLimitExceeded}): when it fires, the
 * task sees {@link #hit()} and its thread is interrupted, but only while the task runs, never after it
 * returned. An interrupt that landed after the return would hit whatever the thread does next: the next
 * task of a pooled thread, or a prefork child's RESULT write (an interruptible channel closes itself, the
 * child dies, and a task that succeeded would be reported lost). One implementation for every pool that
 * runs tasks on threads ({@link Job}) and for the prefork child.
 *
 * <p>States, changed only by CAS:
 * <pre>
 *   RUNNING --fire()----> INTERRUPTING --(interrupt sent)--> FIRED
 *   RUNNING --finish()--> DONE
 * </pre>
 * A {@link #finish()} that loses the race to the timer waits out the short INTERRUPTING window, then clears
 * the interrupt, so nothing from this limit reaches the thread after {@code finish()} returns.
 */
public final class SoftTimeLimit {
    /** No limit: never hit; {@link #finish()} does nothing. */
    public static final SoftTimeLimit NONE = new SoftTimeLimit();

    private static final int RUNNING = 0;
    private static final int INTERRUPTING = 1;
    private static final int FIRED = 2;
    private static final int DONE = 3;

    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private final Thread runner;
    private final String message;
    private final ScheduledFuture<?> timer;
    private volatile boolean hit;

    private SoftTimeLimit() {
        this.runner = null;
        this.message = null;
        this.timer = null;
        state.set(DONE);
    }

    private SoftTimeLimit(TaskRequest request, Duration limit, ScheduledExecutorService timers) {
        this.runner = Thread.currentThread();
        this.message = "task " + request.name() + "[" + request.id() + "] exceeded its soft time limit of " + limit;
        this.timer = timers.schedule(this::fire, limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Arms the limit for a task about to run on the calling thread.
     *
     * @param limit  {@code null}: no limit ({@link #NONE})
     * @param timers where the timer runs; a shut-down executor (the pool terminated) arms nothing
     */
    public static SoftTimeLimit arm(TaskRequest request, Duration limit, ScheduledExecutorService timers) {
        if (limit == null) {
            return NONE;
        }
        try {
            return new SoftTimeLimit(request, limit, timers);
        } catch (RejectedExecutionException terminated) {
            return NONE;
        }
    }

    private void fire() {
        if (state.compareAndSet(RUNNING, INTERRUPTING)) {
            hit = true;
            runner.interrupt();
            state.set(FIRED);
        }
    }

    /** Whether the limit fired while the task ran ({@code TaskContext.isCancelled()}). */
    public boolean hit() {
        return hit;
    }

    /** {@code TaskContext.checkSoftTimeLimit()}: throws once the limit fired. */
    public void check() {
        if (hit) {
            throw new SoftTimeLimitExceededException(message);
        }
    }

    /** What a task that failed is reported with: after the limit fired, a {@link SoftTimeLimitExceededException} caused by {@code error}. */
    public Throwable failure(Throwable error) {
        return hit && !(error instanceof SoftTimeLimitExceededException) ? new SoftTimeLimitExceededException(message, error) : error;
    }

    /** Called by the task's thread once the task returned or threw: no interrupt from this limit reaches it afterwards. */
    public void finish() {
        if (this == NONE) {
            return;
        }
        if (!state.compareAndSet(RUNNING, DONE)) {
            while (state.get() == INTERRUPTING) {
                Thread.onSpinWait(); // the timer is between its CAS and its interrupt: a few instructions
            }
        }
        timer.cancel(false);
        Thread.interrupted();
    }
}
