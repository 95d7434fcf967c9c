package org.celeriac.pool.prefork.child;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The soft time limit of one task run in a child: when it fires, the task's thread is interrupted, but only
 * while the task runs, never after it returned. An interrupt that landed after the return would hit the
 * RESULT write (an interruptible socket channel closes itself), the child would die, and a task that
 * succeeded would be reported lost.
 *
 * <p>States, changed only by CAS, as in the in-process pools' {@code Job}:
 * <pre>
 *   RUNNING --fire()----> INTERRUPTING --(interrupt sent)--> INTERRUPTED
 *   RUNNING --finish()--> DONE
 * </pre>
 * {@link #finish()} that loses the race to {@code fire()} waits out the short INTERRUPTING window, then
 * clears the interrupt, so nothing reaches the thread after {@code finish()} returns.
 */
final class SoftLimit {
    private static final int RUNNING = 0;
    private static final int INTERRUPTING = 1;
    private static final int INTERRUPTED = 2;
    private static final int DONE = 3;

    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private final Thread runner;
    private final ChildContext ctx;
    private final ScheduledFuture<?> timer;

    private SoftLimit(ChildContext ctx, ScheduledExecutorService timers) {
        this.runner = Thread.currentThread();
        this.ctx = ctx;
        this.timer = timers.schedule(this::fire, ctx.request().softTimeLimit().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Arms the task's soft limit on the calling thread (the task's), or returns {@code null} if it has none. */
    static SoftLimit arm(ChildContext ctx, ScheduledExecutorService timers) {
        return ctx.request().softTimeLimit() == null ? null : new SoftLimit(ctx, timers);
    }

    private void fire() {
        if (state.compareAndSet(RUNNING, INTERRUPTING)) {
            ctx.softLimitHit = true;
            runner.interrupt();
            state.set(INTERRUPTED);
        }
    }

    /** Called by the task's thread once the task returned or threw: no interrupt reaches it afterwards. */
    void finish() {
        if (!state.compareAndSet(RUNNING, DONE)) {
            while (state.get() == INTERRUPTING) {
                Thread.onSpinWait(); // the timer is between its CAS and its interrupt: a few instructions
            }
        }
        timer.cancel(false);
        Thread.interrupted();
    }
}
