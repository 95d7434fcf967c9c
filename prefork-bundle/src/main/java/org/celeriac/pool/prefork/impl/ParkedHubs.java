package org.celeriac.pool.prefork.impl;

import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.celeriac.pool.api.PoolConfig;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The prefork hub whose pool was closed with every child up, kept for {@value Hub#PARK_MILLIS} ms so that
 * the pool's next instance adopts it instead of starting child JVMs: a hot-swap away from prefork and back
 * (or a pool restarted with the same options) finds its children up. Starting them meant three JVMs on the
 * machine's cores at each swap, and that was the worker's longest pause in acceptance during hot-swaps.
 * One at most: a hub parked later retires the earlier one's children. When the bundle stops, a parked hub
 * retires its children (gracefully, as a stopping pool's do).
 */
@Component(service = ParkedHubs.class, immediate = true) // not disposed while no pool uses it: it holds the parked hub
public final class ParkedHubs {
    private static final System.Logger LOG = System.getLogger(ParkedHubs.class.getName());

    /** A hub a pool adopted, and the future that completes when that pool no longer has it. */
    record Adopted(Hub hub, CompletableFuture<Void> released) {
    }

    private final AtomicReference<Hub> parked = new AtomicReference<>();
    private volatile boolean closed;

    /** {@code hub} has parked (its thread calls this): it waits here for a pool to adopt it. */
    void park(Hub hub) {
        Hub earlier = parked.getAndSet(hub);
        if (earlier != null && earlier != hub) {
            earlier.retireParked();
        }
        if (closed && parked.compareAndSet(hub, null)) {
            hub.retireParked(); // parked while the bundle stops: nobody will adopt it
        }
    }

    /** Adopts the parked hub for a pool started with {@code config} and {@code options}; {@code null} if none suits. */
    Adopted adopt(HubListener owner, PoolConfig config, PreforkOptions options, int concurrency) {
        Hub hub = parked.getAndSet(null);
        if (hub == null) {
            return null;
        }
        CompletableFuture<Void> released = hub.adopt(owner, config, options, concurrency);
        if (released == null) {
            hub.retireParked(); // another pool's options, or it gave up waiting: of no use to anyone now
            return null;
        }
        LOG.log(Level.DEBUG, "a new prefork pool adopted the children of the one before it");
        return new Adopted(hub, released);
    }

    @Deactivate
    void deactivate() {
        closed = true;
        Hub hub = parked.getAndSet(null);
        if (hub != null) {
            hub.retireParked();
            try {
                hub.stopped().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                LOG.log(Level.WARNING, "a parked prefork hub did not stop within 10 s: " + e);
            }
        }
    }
}
