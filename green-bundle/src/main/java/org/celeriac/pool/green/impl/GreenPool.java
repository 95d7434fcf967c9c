package org.celeriac.pool.green.impl;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.spi.InProcessPool;
import org.celeriac.pool.spi.Job;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.spi.PoolService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * {@code pool.name=green} (aliases {@code gevent}, {@code eventlet}): Celery's green pools, on virtual
 * threads. Each task runs on a virtual thread; at most {@code concurrency} (default {@value #DEFAULT_CONCURRENCY})
 * run at once, the rest wait in a FIFO queue. Blocking I/O in a task parks its virtual thread and frees the
 * carrier: no monkey-patching is needed. A task pins its carrier while it runs native code, or (on JDK 21–23)
 * blocks inside a {@code synchronized} block; with enough pinned tasks every carrier is taken.
 *
 * <h2>Admission</h2>
 * {@code running} counts the slots in use; a slot is taken with a CAS below {@code limit}. A virtual thread
 * that finishes its task takes the next queued job itself, keeping its slot ({@link #nextOrRelease}), so a
 * busy pool starts no thread per task beyond the first {@code concurrency}. Every release is followed by
 * {@link #pump()}, which closes the window where a job is queued while the last slot is being released.
 */
@Component(service = BasePool.class, scope = ServiceScope.PROTOTYPE, property = "service.ranking:Integer=40")
@PoolService(name = {"green", "gevent", "eventlet"}, green = true)
public final class GreenPool extends InProcessPool {
    static final int DEFAULT_CONCURRENCY = 1000;
    /** Unnamed virtual threads: see {@link #nextOnThread}. A factory, unlike a builder, is safe to share. */
    private static final ThreadFactory THREADS = Thread.ofVirtual().factory();

    private final AtomicInteger running = new AtomicInteger();
    private volatile int limit;

    @Activate
    public GreenPool(@Reference PoolEnvironment env) {
        super(env);
    }


    @Override
    public Set<PoolCapability> capabilities() {
        Set<PoolCapability> caps = EnumSet.copyOf(super.capabilities());
        caps.add(PoolCapability.RESIZE);
        return caps;
    }

    @Override
    protected void onStart(PoolConfig config) {
        limit = config.concurrencyOr(DEFAULT_CONCURRENCY);
    }

    @Override
    protected void dispatch(Job job) {
        if (!hasQueued() && tryAcquire()) {
            start(job); // the common case below the bound: no trip through the queue (FIFO holds: it is empty)
            return;
        }
        enqueue(job);
        pump();
    }

    /**
     * Starts a virtual thread for {@code job}, which is its worker (see {@link #nextOnThread}). It is registered
     * here, not on its thread, so that terminateJob sees it from the moment it left the queue, however long
     * the virtual thread waits for a carrier.
     */
    private void start(Job job) {
        openWorker(job);
        try {
            THREADS.newThread(job).start();
        } catch (RuntimeException | Error e) {
            closeWorker(job);
            throw e;
        }
    }

    /** Starts a virtual thread for queued jobs while slots are free. */
    private void pump() {
        while (hasQueued() && tryAcquire()) {
            Job job = nextQueued();
            if (job == null) {
                running.decrementAndGet();
            } else {
                start(job);
            }
        }
    }

    private boolean tryAcquire() {
        for (;;) {
            int r = running.get();
            if (r >= limit) {
                return false;
            }
            if (running.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /**
     * A virtual thread that finished its job goes on with the oldest queued one, keeping its slot of
     * {@code running}, or ends. Each job is its own worker while it runs ({@link #openWorker}): a green pool
     * has a worker per task in flight, up to a million, so no object of its own is made for one (it cost 56
     * bytes a task), and the thread has no name (a name is a 56-byte string per task); the worker's id,
     * green-&lt;thread id&gt;, is made when someone asks.
     */
    @Override
    protected Job nextOnThread() {
        Job next = nextOrRelease();
        if (next != null) {
            openWorker(next);
        }
        return next;
    }

    /** {@code green-} and the virtual thread's id (as in a thread dump). */
    @Override
    protected String workerId(Thread thread) {
        return "green-" + thread.threadId();
    }

    private Job nextOrRelease() {
        if (running.get() <= limit) {
            Job next = nextQueued();
            if (next != null) {
                return next;
            }
        }
        running.decrementAndGet();
        pump();
        return null;
    }

    @Override
    protected void jobAbandoned(Job job) {
        running.decrementAndGet();
        pump();
    }

    @Override
    protected int concurrency() {
        return limit;
    }

    @Override
    public synchronized void grow(int n) {
        requirePositiveCount(n, "grow");
        limit += n;
        pump();
    }

    @Override
    public synchronized void shrink(int n) {
        requirePositiveCount(n, "shrink");
        if (limit - n < 1) {
            throw new IllegalArgumentException("cannot shrink pool 'green' of " + limit + " slots by " + n
                    + ": at least one must remain");
        }
        limit -= n;
    }


    @Override
    protected void shutdownWorkers() {
        // Running virtual threads were interrupted when their jobs were abandoned; nothing else holds a thread.
    }
}
