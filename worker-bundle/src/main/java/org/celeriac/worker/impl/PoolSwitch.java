package org.celeriac.worker.impl;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolUnavailableException;
import org.celeriac.pool.api.TaskRejectedException;
import org.celeriac.pool.api.TaskRequest;

/**
 * One lane of the worker: the pool its tasks run on, chosen by name among the installed pools of a
 * {@link PoolCatalog}, and moved between pools without losing or repeating a task. The worker has one lane
 * today; the catalog is shared so that a worker can later run several lanes at once (CPU-bound tasks on
 * prefork, I/O-bound ones on green), each switching on its own.
 *
 * <h2>Hot-swap</h2> ({@link #swapTo})
 * <ol>
 *   <li>get a new instance of the target pool (prototype scope) and start it;</li>
 *   <li>publish it as {@link #active}: from here on new tasks go to it;</li>
 *   <li>retire the old pool: {@code stop()} (refuse new, finish running), then {@code drainPending()}, and
 *       route each handed-back request to the new pool. A drained request's old handle fails with
 *       {@code TaskRequeuedException}, which {@link WorkerTaskHandle} ignores, so each task completes once.</li>
 * </ol>
 * A task routed to the old pool just before the swap gets {@link TaskRejectedException} and is routed again.
 * Failover is the same swap, when the active pool's offer is withdrawn; when the selected pool comes back,
 * the lane swaps back to it.
 *
 * <h2>Threads</h2>
 * Every change of the active pool (start, swap, failover, restart, close) runs on the switch's own thread,
 * one at a time in the order asked, so no lock is held while a pool starts. A new offer only enqueues its
 * swap; the withdrawal of the active pool's offer waits for its failover (the framework then deactivates
 * the old pool with its queue already moved); {@link #use} waits for its outcome. Every wait is bounded
 * ({@link #COMMAND_TIMEOUT}) and says on timeout what the switch thread is doing. {@link #route} never waits.
 *
 * <h2>No pool</h2>
 * Tasks that find no pool are parked, routed as soon as a pool is active, and failed with
 * {@link PoolUnavailableException} after {@link Host#poolWait()}.
 */
final class PoolSwitch {
    private static final System.Logger LOG = System.getLogger(PoolSwitch.class.getName());
    /** Long enough for the slowest pool start (prefork waits up to twice its children's start-up timeout). */
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

    /** What a lane needs from its worker. */
    interface Host {
        /** The configuration a pool of this lane starts with, at {@code concurrency} (0: the pool's default). */
        PoolConfig configFor(int concurrency);

        /** How long a task waits for a pool before it fails. */
        Duration poolWait();

        /** The pending task with this id, or {@code null} (to route what a retired pool hands back). */
        WorkerTaskHandle pending(String taskId);

        /** Whether the container is shutting down: pools then go one by one, and failing over would only churn. */
        boolean containerStopping();

        /** {@code pool} is now the active pool, replacing {@code previous} (or none); on the switch's thread. */
        void activated(String pool, String previous);
    }

    private record Active(PoolOffer offer, BasePool pool) {
    }

    private final String lane;
    private final PoolCatalog catalog;
    private final Host host;
    private final ScheduledExecutorService timers;
    private final SerialCommands switcher;
    private final ParkingLot parked;
    private volatile Active active;
    private volatile boolean closed;
    /** The pool this lane's user wants: failover falls back from it and returns to it. */
    private volatile String selected;
    private volatile int concurrency;

    PoolSwitch(String lane, PoolCatalog catalog, Host host, ScheduledExecutorService timers) {
        this.lane = lane;
        this.catalog = catalog;
        this.host = host;
        this.timers = timers;
        this.switcher = new SerialCommands("celeriac-pool-switch-" + lane, COMMAND_TIMEOUT);
        this.parked = new ParkingLot(timers, host::poolWait, catalog::names);
    }

    // ---- selection (switch thread) -----------------------------------------------------------------------

    /** Selects {@code pool} and starts the best match now installed; returns once it runs (or none is there). */
    void start(String pool, int n) {
        switcher.call("start pool '" + pool + "'", () -> {
            selected = pool;
            concurrency = n;
            Optional<PoolOffer> offer = catalog.preferred(pool);
            if (offer.isPresent()) {
                switchLogged(offer.get(), "starting");
            } else {
                LOG.log(Level.WARNING, "no pool is installed yet; tasks wait up to " + host.poolWait() + " for one");
            }
            return null;
        });
    }

    /** Selects {@code pool} without swapping now: the lane switches to it when it is installed. */
    void select(String pool, int n) {
        switcher.call("select pool '" + pool + "'", () -> {
            selected = pool;
            concurrency = n;
            return null;
        });
    }

    /** A pool was installed: it becomes active if there is none, or if it is the selected one coming back. */
    void offerAdded(PoolOffer offer) {
        switcher.submit(() -> {
            Active a = active;
            if (closed || !catalog.contains(offer)) {
                return;
            }
            if (a == null) {
                catalog.preferred(selected).ifPresent(o -> switchLogged(o, "pool " + offer.name() + " appeared"));
            } else if (offer.isNamed(selected) && !a.offer().isNamed(selected)) {
                switchLogged(offer, "the selected pool " + selected + " is back");
            }
        });
    }

    /** A pool was withdrawn (already out of the catalog): if it is the active one, fails over and waits for that. */
    void offerRemoved(PoolOffer offer) {
        Active current = active;
        Future<Void> failover = switcher.submit(() -> {
            Active a = active;
            if (closed || a == null || !a.offer().equals(offer)) {
                return;
            }
            String why = "pool " + a.pool().name() + " went away (its bundle " + offer.origin() + " stopped or was updated)";
            Optional<PoolOffer> next = host.containerStopping() ? Optional.empty() : catalog.preferred(selected);
            if (next.isEmpty() || !switchLogged(next.get(), why)) {
                LOG.log(Level.WARNING, why + "; no other pool is available, tasks wait for one");
                active = null;
                retire(a);
            }
        });
        if (current != null && current.offer().equals(offer)) {
            switcher.await("fail over from pool '" + offer.name() + "'", failover);
        }
    }

    /**
     * Selects the pool named {@code name} at {@code n} (0: the configured concurrency) and swaps to it.
     *
     * @throws IllegalArgumentException no installed pool has that name, or it refuses the concurrency
     */
    void use(String name, int n) {
        switcher.call("use pool '" + name + "'", () -> {
            PoolOffer target = catalog.find(name).orElseThrow(() -> new IllegalArgumentException(
                    "unknown pool '" + name + "'; available: " + catalog.names()));
            swapTo(target, n);
            selected = name;
            concurrency = n;
            LOG.log(Level.INFO, "now using pool '" + target.name() + "'" + (n > 0 ? " with concurrency " + n : ""));
            return null;
        });
    }

    /** Starts a fresh instance of the active pool (with a changed configuration); nothing if none is active. */
    void renew(String why) {
        switcher.call("renew the active pool", () -> {
            Active a = active;
            if (a != null && !closed) {
                LOG.log(Level.INFO, why + "; restarting pool '" + a.offer().name() + "'");
                swapTo(a.offer(), concurrency);
            }
            return null;
        });
    }

    /** Replaces every worker of the active pool: its own rolling restart if it has one, else a fresh instance. */
    void restart() {
        BasePool pool = requireActive();
        if (pool.capabilities().contains(PoolCapability.RESTART)) {
            pool.restart();
            return;
        }
        switcher.call("restart pool '" + pool.name() + "'", () -> {
            Active a = active;
            if (a != null) {
                swapTo(a.offer(), a.pool().stats().concurrency());
            }
            return null;
        });
    }

    /**
     * Closes the lane: parked tasks fail, nothing is routed any more, and the active pool, if any, is closed
     * within {@code grace} on the caller's thread (its running tasks finish; what is left then is cut off).
     *
     * @return {@code true} unless the grace ran out; {@code true} at once if closed already
     */
    synchronized boolean close(Duration grace) {
        if (closed) {
            return true;
        }
        closed = true;
        Active last = switcher.call("close", () -> {
            Active a = active;
            active = null;
            parked.releaseAll(PoolSwitch::failClosed);
            return a;
        });
        switcher.shutdown();
        if (last == null) {
            return true;
        }
        boolean clean = last.pool().close(grace);
        last.offer().release(last.pool());
        return clean;
    }

    /** Swaps and logs why, falling back to the pool's default concurrency if it refuses the lane's; {@code false} if it failed. */
    private boolean switchLogged(PoolOffer offer, String why) {
        if (!offer.isNamed(selected)) {
            LOG.log(Level.WARNING, why + ": the selected pool '" + selected + "' is not installed, using '" + offer.name()
                    + "' (highest ranking available) until it is");
        } else {
            LOG.log(Level.INFO, why + ": using pool '" + offer.name() + "'");
        }
        try {
            swapTo(offer, concurrency);
            return true;
        } catch (IllegalArgumentException e) {
            // A fallback pool may refuse the selected pool's concurrency (solo takes 1): use its own default.
            LOG.log(Level.WARNING, "pool '" + offer.name() + "' refused concurrency " + concurrency + " (" + e.getMessage()
                    + "); starting it with its default");
            try {
                swapTo(offer, 0);
                return true;
            } catch (RuntimeException again) {
                LOG.log(Level.ERROR, "could not start pool '" + offer.name() + "': " + again.getMessage(), again);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "could not start pool '" + offer.name() + "': " + e.getMessage(), e);
        }
        return false;
    }

    /** The hot-swap: see the class comment. */
    private void swapTo(PoolOffer offer, int n) {
        assert switcher.inThread();
        BasePool pool = offer.acquire();
        if (pool == null) {
            throw new IllegalStateException("pool service " + offer.names() + " is no longer available");
        }
        try {
            pool.start(host.configFor(n));
        } catch (RuntimeException e) {
            offer.release(pool);
            throw e;
        }
        Active old = active;
        active = new Active(offer, pool);
        host.activated(pool.name(), old == null ? null : old.pool().name());
        if (old != null) {
            retire(old);
        }
        parked.releaseAll(this::route);
    }

    /** Stops a pool that is no longer active and moves its queued tasks to whatever is active now. */
    private void retire(Active old) {
        old.pool().stop();
        List<TaskRequest> drained = old.pool().drainPending();
        if (!drained.isEmpty()) {
            LOG.log(Level.INFO, "moving " + drained.size() + " queued task(s) from pool " + old.pool().name());
        }
        for (TaskRequest r : drained) {
            WorkerTaskHandle h = host.pending(r.id());
            if (h != null) {
                route(h);
            }
        }
        old.pool().termination().whenCompleteAsync((v, e) -> old.offer().release(old.pool()), timers);
    }

    // ---- tasks (any thread) ------------------------------------------------------------------------------

    /** Hands the task to the active pool, or parks it until there is one. Never waits for a swap. */
    void route(WorkerTaskHandle h) {
        for (;;) {
            if (h.isDone()) {
                return; // terminated while held
            }
            Active a = active;
            if (a == null) {
                if (park(h)) {
                    return;
                }
                continue;
            }
            try {
                h.handingTo(a.pool());
                // Attached before the pool can run it: solo runs it inside this call, and its start must be seen.
                a.pool().applyAsync(h.request(), poolHandle -> h.attach(a.pool(), poolHandle));
                return;
            } catch (TaskRejectedException e) {
                // The pool closed under us: a swap retired it (active has moved on) or its bundle is stopping
                // (the failover is about to replace it). Park if it is still the active one.
                h.handingTo(null);
                if (active == a && park(h)) {
                    return;
                }
            } catch (RuntimeException e) {
                // A broken pool must not leave the task pending forever: fail it, naming the pool.
                LOG.log(Level.ERROR, "pool " + a.pool().name() + " failed to accept task " + h.taskId(), e);
                h.fail(new IllegalStateException("pool '" + a.pool().name() + "' failed to accept the task: " + e, e));
                return;
            }
        }
    }

    /**
     * Parks the task until a pool is active; {@code false} if one became active meanwhile (route again).
     * A swap publishes the new pool, then routes the parked tasks: a task parked after that sees the new pool
     * here and takes itself back, so each parked task is routed once, by the swap or by its own thread.
     */
    private boolean park(WorkerTaskHandle h) {
        if (closed) {
            failClosed(h);
            return true;
        }
        ParkingLot.Ticket ticket = parked.park(h);
        Active a = active;
        return !(a != null && a.pool().state() == PoolState.RUN && parked.cancel(ticket));
    }

    private static void failClosed(WorkerTaskHandle h) {
        h.fail(new PoolUnavailableException("the worker shut down before task " + h.taskId() + " found a pool"));
    }

    /** Takes a parked task back (to terminate it); {@code false} if it is not parked. */
    boolean unpark(WorkerTaskHandle h) {
        return parked.remove(h);
    }

    // ---- state (any thread) ------------------------------------------------------------------------------

    Optional<BasePool> activePool() {
        Active a = active;
        return a == null ? Optional.empty() : Optional.of(a.pool());
    }

    /** Whether {@code offer} is the one the active pool came from. */
    boolean isActive(PoolOffer offer) {
        Active a = active;
        return a != null && a.offer().equals(offer);
    }

    String selected() {
        return selected;
    }

    BasePool requireActive() {
        Active a = active;
        if (a == null) {
            throw new PoolUnavailableException("no pool is active; installed pools: " + catalog.names());
        }
        return a.pool();
    }
}
