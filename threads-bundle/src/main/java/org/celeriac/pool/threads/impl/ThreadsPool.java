package org.celeriac.pool.threads.impl;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.spi.InProcessPool;
import org.celeriac.pool.spi.Job;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.spi.PoolService;
import org.celeriac.pool.spi.WorkerSlot;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * {@code pool.name=threads}: Celery's {@code threads} pool, a {@link ThreadPoolExecutor} of
 * {@code concurrency} platform threads (default: one per CPU) fed from an unbounded FIFO queue.
 *
 * <p>Good for blocking I/O-bound tasks at modest concurrency and for CPU-bound Java code (no GIL here).
 * A task stopped by its hard time limit or by {@code terminateJob} keeps its thread only if it ignores the
 * interrupt; that thread is then abandoned and the executor grows by one until it comes back, so the pool
 * keeps {@code concurrency} threads serving the queue.
 */
@Component(service = BasePool.class, scope = ServiceScope.PROTOTYPE, property = "service.ranking:Integer=50")
@PoolService(name = "threads")
public final class ThreadsPool extends InProcessPool {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private ThreadPoolExecutor executor;
    private int concurrency;   // guarded by this
    private int abandoned;     // guarded by this: threads held by abandoned tasks

    @Activate
    public ThreadsPool(@Reference PoolEnvironment env) {
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
        int n = config.concurrencyOr(Runtime.getRuntime().availableProcessors());
        synchronized (this) {
            concurrency = n;
        }
        executor = new SlotTrackingExecutor(n, threadFactory());
    }

    private ThreadFactory threadFactory() {
        int instance = INSTANCES.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        return r -> new WorkerThread(r, "celeriac-threads-" + instance + "-" + count.incrementAndGet());
    }

    /** A pool thread with its {@link WorkerSlot}, registered for as long as the thread lives. */
    private final class WorkerThread extends Thread {
        private final WorkerSlot slot;

        WorkerThread(Runnable r, String name) {
            super(r, name);
            setDaemon(true); // a task that ignores interrupts must not keep the JVM alive at shutdown
            slot = openSlot(name);
        }

        @Override
        public void run() {
            try {
                super.run();
            } finally {
                closeSlot(slot);
            }
        }
    }

    /** Marks each job as its thread's current one, so terminateJob and stats find it without a shared map. */
    private static final class SlotTrackingExecutor extends ThreadPoolExecutor {
        SlotTrackingExecutor(int n, ThreadFactory factory) {
            super(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
        }

        @Override
        protected void beforeExecute(Thread t, Runnable r) {
            ((WorkerThread) t).slot.begin((Job) r);
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            ((WorkerThread) Thread.currentThread()).slot.end();
        }
    }

    @Override
    protected void dispatch(Job job) {
        executor.execute(job);
    }

    @Override
    protected List<Job> drainQueue() {
        List<Runnable> queued = new ArrayList<>();
        executor.getQueue().drainTo(queued);
        List<Job> jobs = new ArrayList<>(queued.size());
        for (Runnable r : queued) {
            jobs.add((Job) r);
        }
        return jobs;
    }

    @Override
    protected Job findQueued(String taskId) {
        for (Runnable r : executor.getQueue()) {
            if (r instanceof Job job && job.request().id().equals(taskId)) {
                return job;
            }
        }
        return null;
    }

    @Override
    protected void removeQueued(Job job) {
        executor.remove(job);
    }

    @Override
    protected int queuedCount() {
        return executor == null ? 0 : executor.getQueue().size();
    }

    @Override
    protected synchronized int concurrency() {
        return concurrency;
    }

    @Override
    public void grow(int n) {
        requirePositiveCount(n, "grow");
        synchronized (this) {
            concurrency += n;
            resize();
        }
    }

    @Override
    public void shrink(int n) {
        requirePositiveCount(n, "shrink");
        synchronized (this) {
            if (concurrency - n < 1) {
                throw new IllegalArgumentException("cannot shrink pool 'threads' of " + concurrency + " threads by " + n
                        + ": at least one must remain");
            }
            concurrency -= n;
            resize();
        }
    }


    @Override
    protected void jobAbandoned(Job job) {
        synchronized (this) {
            abandoned++;
            resize();
        }
    }

    @Override
    protected void abandonedJobReturned(Job job) {
        synchronized (this) {
            abandoned--;
            resize();
        }
    }

    /** Sizes the executor to the configured threads plus the abandoned ones, growing max first or shrinking core first. */
    private void resize() {
        assert Thread.holdsLock(this);
        if (executor == null || executor.isShutdown()) {
            return;
        }
        int size = concurrency + abandoned;
        if (size >= executor.getMaximumPoolSize()) {
            executor.setMaximumPoolSize(size);
            executor.setCorePoolSize(size);
        } else {
            executor.setCorePoolSize(size);
            executor.setMaximumPoolSize(size);
        }
    }

    @Override
    protected void shutdownWorkers() {
        executor.shutdownNow();
    }

    @Override
    protected void onTerminated() {
        super.onTerminated();
        if (executor != null) {
            executor.shutdown();
        }
    }
}
