package org.celeriac.worker.impl;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.worker.api.Autoscale;

/**
 * Celery's autoscaler ({@code celery/worker/autoscale.py}) for any pool that declares
 * {@link PoolCapability#RESIZE}: once a second it compares the tasks the pool holds (running and queued) with
 * its workers; more tasks than workers grows it (up to {@code max}) at once, fewer shrinks it (down to
 * {@code min}) once it has not needed to grow for the keep-alive. It reads the pool's own counts, not the
 * broker's prefetch, so a prefetch of 1 cannot stall it (celery/celery#4003); the Redis broker sizes its
 * prefetch on {@code max} while autoscaling for the same reason.
 */
final class Autoscaler {
    private static final System.Logger LOG = System.getLogger(Autoscaler.class.getName());
    private static final Duration TICK = Duration.ofSeconds(1);

    private final Supplier<BasePool> active;
    private final ScheduledExecutorService timers;
    private volatile Autoscale settings = Autoscale.OFF;
    private volatile long lastNeededNanos = System.nanoTime();
    private ScheduledFuture<?> ticking;

    /** {@code active}: the pool to scale now, or {@code null}. */
    Autoscaler(Supplier<BasePool> active, ScheduledExecutorService timers) {
        this.active = active;
        this.timers = timers;
    }

    synchronized void configure(Autoscale next) {
        settings = next;
        if (next.on() && ticking == null) {
            ticking = timers.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        } else if (!next.on() && ticking != null) {
            ticking.cancel(false);
            ticking = null;
        }
        if (next.on()) {
            LOG.log(Level.INFO, "autoscale: " + next.min() + " to " + next.max() + " workers, keep-alive " + next.keepAlive());
        }
    }

    Autoscale settings() {
        return settings;
    }

    /** One look at the pool; public for the worker's tests, run by the timer otherwise. */
    void tick() {
        Autoscale s = settings;
        BasePool pool = active.get();
        if (!s.on() || pool == null || pool.state() != PoolState.RUN || !pool.capabilities().contains(PoolCapability.RESIZE)) {
            return;
        }
        try {
            PoolStats stats = pool.stats();
            int procs = stats.concurrency();
            int wanted = stats.active() + stats.queued();
            long now = System.nanoTime();
            if (procs < s.min()) {
                pool.grow(s.min() - procs);
            } else if (procs > s.max()) {
                pool.shrink(procs - s.max());
            } else if (wanted > procs && procs < s.max()) {
                lastNeededNanos = now;
                int n = Math.min(wanted - procs, s.max() - procs);
                LOG.log(Level.DEBUG, () -> "autoscale: growing " + pool.name() + " by " + n);
                pool.grow(n);
            } else if (wanted >= procs) {
                lastNeededNanos = now;
            } else if (procs > s.min() && now - lastNeededNanos > s.keepAlive().toNanos()) {
                int n = Math.min(procs - Math.max(wanted, s.min()), procs - s.min());
                if (n > 0) {
                    LOG.log(Level.DEBUG, () -> "autoscale: shrinking " + pool.name() + " by " + n);
                    pool.shrink(n);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "autoscale: could not resize pool " + pool.name() + ": " + e.getMessage());
        }
    }
}
