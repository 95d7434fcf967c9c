package org.celeriac.worker.impl;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.celeriac.pool.api.PoolUnavailableException;

/**
 * Tasks waiting for a pool: each fails with {@link PoolUnavailableException} unless it is taken out within
 * its wait. Lock-free; a task parked twice (routed, refused, parked again) is two entries, and the first
 * park's timer cannot remove the second.
 */
final class ParkingLot {
    /** One park of one task: identity, not equality, tells two parks apart. */
    static final class Ticket {
        final WorkerTaskHandle handle;

        private Ticket(WorkerTaskHandle handle) {
            this.handle = handle;
        }
    }

    private final ConcurrentLinkedQueue<Ticket> parked = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService timers;
    private final Supplier<Duration> wait;
    private final Supplier<List<String>> installed;

    /** {@code installed}: the installed pools' names, for the timeout's message. */
    ParkingLot(ScheduledExecutorService timers, Supplier<Duration> wait, Supplier<List<String>> installed) {
        this.timers = timers;
        this.wait = wait;
        this.installed = installed;
    }

    /** Parks {@code h}; the ticket lets its parker take it back at once ({@link #cancel}). */
    Ticket park(WorkerTaskHandle h) {
        Ticket t = new Ticket(h);
        parked.add(t);
        Duration w = wait.get();
        timers.schedule(() -> {
            if (parked.remove(t)) {
                h.fail(new PoolUnavailableException("no pool became available within " + w + " for task "
                        + h.request().name() + "[" + h.taskId() + "]; installed pools: " + installed.get()));
            }
        }, w.toNanos(), TimeUnit.NANOSECONDS);
        return t;
    }

    /** Takes a ticket back; {@code false} if someone else took it (a swap routed it, or it expired). */
    boolean cancel(Ticket t) {
        return parked.remove(t);
    }

    /** Takes every park of {@code h} back; {@code false} if it was not parked. */
    boolean remove(WorkerTaskHandle h) {
        return parked.removeIf(t -> t.handle == h);
    }

    /** Takes every parked task out, oldest first, and hands each to {@code action}. */
    void releaseAll(Consumer<WorkerTaskHandle> action) {
        for (Ticket t; (t = parked.poll()) != null; ) {
            action.accept(t.handle);
        }
    }
}
