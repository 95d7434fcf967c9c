package org.celeriac.pool.threads.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
 * {@code pool.name=threads}: Celery's {@code threads} pool, {@code concurrency} platform threads (default:
 * one per CPU) taking jobs from the pool's FIFO queue.
 *
 * <p>Good for blocking I/O-bound tasks at modest concurrency and for CPU-bound Java code (no GIL here).
 * A task stopped by its hard time limit or by {@code terminateJob} keeps its thread only if it ignores the
 * interrupt; that thread is then given up and a new one started in its place, so {@code concurrency}
 * threads keep serving the queue, and the given-up thread ends when its task returns.
 *
 * <h2>Why not a {@code ThreadPoolExecutor}</h2>
 * Its {@code LinkedBlockingQueue} takes a lock per job on each side, and its workers fight over the take
 * lock, parking and unparking each other: measured with JFR on 2 workers draining no-op tasks, two fifths of
 * a worker's samples. Here the queue is lock-free and a worker parks only after it found the queue empty a
 * few times over. Submitting costs an enqueue and a read of {@link #idleCount} while every worker is busy.
 *
 * <h2>Idle workers</h2>
 * A worker that finds no job sets its {@code idle} flag, counts itself in {@link #idleCount}, looks at the
 * queue once more, and parks. Whoever clears a flag by CAS (the worker itself, or {@link #wakeOne}) takes it
 * out of the count, so each flag is counted out once. No job is left waiting while a worker sleeps: a
 * submitter enqueues and then reads the count, a worker counts itself and then reads the queue, both through
 * full fences, so at least one of them sees the other. A worker that takes a job and sees more queued wakes
 * one more, so a burst does not wait for one submitter's wake-ups.
 */
@Component(service = BasePool.class, scope = ServiceScope.PROTOTYPE, property = "service.ranking:Integer=50")
@PoolService(name = "threads")
public final class ThreadsPool extends InProcessPool {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /**
     * Times a worker looks at an empty queue again before it parks: a few microseconds, against the tens
     * of microseconds a park and unpark cost the worker and the submitter that wakes it.
     */
    private static final int SPINS = 100;
    private static final VarHandle IDLE;

    static {
        try {
            IDLE = MethodHandles.lookup().findVarHandle(Worker.class, "idle", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String threadPrefix = "celeriac-threads-" + INSTANCES.incrementAndGet() + "-";
    /**
     * Every live worker, given-up ones included until their task returns: copied on write, under the pool's
     * lock, as threads come and go, so that {@link #wakeOne} reads it without a lock or an iterator.
     */
    private volatile Worker[] workers = new Worker[0];
    /** Where {@link #wakeOne} starts looking; racy on purpose, it only spreads the wake-ups. */
    private int nextWake;
    /** Workers whose idle flag is set: parked, or about to park. */
    private final AtomicInteger idleCount = new AtomicInteger();
    /** Workers to end at their next look at the queue (the pool shrank). */
    private final AtomicInteger retiring = new AtomicInteger();
    private volatile boolean stopping;
    private int concurrency; // guarded by this
    /** Guarded by this: workers started, less those given up and those asked to retire. */
    private int serving;
    private int threadCount; // guarded by this

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
            adjust();
        }
    }

    @Override
    protected void dispatch(Job job) {
        enqueue(job);
        if (idleCount.get() > 0) {
            wakeOne();
        }
    }

    /**
     * Wakes one idle worker, if one still is: the one whose flag this call clears. The search starts one
     * worker further each time, so the workers take turns, as on a {@code ThreadPoolExecutor}'s FIFO
     * condition queue: always waking the first one tripled the one-at-a-time latency on 2 cores (p50
     * 8 → 30 µs from submit to start, and as much back to the waiting submitter, in a scratch harness).
     */
    private void wakeOne() {
        Worker[] ws = workers;
        int start = nextWake++;
        for (int k = 0; k < ws.length; k++) {
            Worker w = ws[Math.floorMod(start + k, ws.length)];
            if (w.idle && IDLE.compareAndSet(w, true, false)) {
                idleCount.decrementAndGet();
                LockSupport.unpark(w.thread);
                return;
            }
        }
    }

    /** One pool thread and its slot: takes jobs from the queue until the pool stops or shrinks. */
    private final class Worker extends WorkerSlot implements Runnable {
        final Thread thread;
        /** Set only by this worker; cleared by CAS, by this worker or by {@link #wakeOne}. */
        volatile boolean idle;

        Worker(String name) {
            super(name);
            thread = new Thread(this, name);
            thread.setDaemon(true); // a task that ignores interrupts must not keep the JVM alive at shutdown
        }

        @Override
        public void run() {
            boolean endedAsAsked = false;
            try {
                for (Job job; (job = take()) != null; ) {
                    begin(job);
                    if (!job.execute(this)) {
                        endedAsAsked = true; // given up while its task ran: a new worker already serves instead
                        return;
                    }
                    end();
                }
                endedAsAsked = true;
            } finally {
                closeSlot(this);
                removeWorker(this);
                if (!endedAsAsked) {
                    lost(); // a failure outside any task (each task's own is caught by its job)
                }
                if (hasQueued()) {
                    wakeOne(); // a wake-up may have been meant for this worker
                }
            }
        }

        /** The next job, parking while there is none; {@code null} once this worker is to end. */
        private Job take() {
            for (int spins = 0; ; ) {
                if (stopping || retire()) {
                    return null;
                }
                Job job = nextQueued();
                if (job != null) {
                    if (idleCount.get() > 0 && hasQueued()) {
                        wakeOne();
                    }
                    return job;
                }
                if (spins++ < SPINS) {
                    Thread.onSpinWait();
                    continue;
                }
                spins = 0;
                idle = true;
                idleCount.incrementAndGet(); // a full fence before the queue is read again
                while (idle && !hasQueued() && !stopping && retiring.get() == 0) {
                    Thread.interrupted(); // a stray interrupt would turn the park into a spin
                    LockSupport.park(this);
                }
                if (IDLE.compareAndSet(this, true, false)) {
                    idleCount.decrementAndGet(); // woke by itself: nobody counted it out
                }
            }
        }
    }

    /** Takes one pending retirement, if any. */
    private boolean retire() {
        for (int r; (r = retiring.get()) > 0; ) {
            if (retiring.compareAndSet(r, r - 1)) {
                return true;
            }
        }
        return false;
    }

    /** Starts or retires workers until {@link #serving} equals {@link #concurrency}. */
    private void adjust() {
        assert Thread.holdsLock(this);
        if (stopping) {
            return;
        }
        while (serving < concurrency) {
            if (!retire()) { // a worker asked to retire and not gone yet serves on instead of a new one
                startWorker();
            }
            serving++;
        }
        if (serving > concurrency) {
            retiring.addAndGet(serving - concurrency);
            serving = concurrency;
            unparkAll(); // idle ones retire now, busy ones after their task
        }
    }

    private void startWorker() {
        assert Thread.holdsLock(this);
        Worker w = openSlot(new Worker(threadPrefix + ++threadCount));
        try {
            w.thread.start();
        } catch (RuntimeException | Error e) { // no thread to be had (out of memory or processes)
            closeSlot(w);
            throw e;
        }
        Worker[] ws = Arrays.copyOf(workers, workers.length + 1);
        ws[ws.length - 1] = w;
        workers = ws;
    }

    private synchronized void removeWorker(Worker w) {
        List<Worker> ws = new ArrayList<>(Arrays.asList(workers));
        ws.remove(w);
        workers = ws.toArray(new Worker[0]);
    }

    private void unparkAll() {
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    /** A worker's thread died outside a task: replace it. */
    private synchronized void lost() {
        serving--;
        adjust();
    }

    @Override
    protected synchronized int concurrency() {
        return concurrency;
    }

    @Override
    public synchronized void grow(int n) {
        requirePositiveCount(n, "grow");
        concurrency += n;
        adjust();
    }

    @Override
    public synchronized void shrink(int n) {
        requirePositiveCount(n, "shrink");
        if (concurrency - n < 1) {
            throw new IllegalArgumentException("cannot shrink pool 'threads' of " + concurrency + " threads by " + n
                    + ": at least one must remain");
        }
        concurrency -= n;
        adjust();
    }

    /** The task's thread is given up: start another in its place. It ends when the task returns. */
    @Override
    protected synchronized void jobAbandoned(Job job) {
        serving--;
        adjust();
    }

    @Override
    protected void shutdownWorkers() {
        stopWorkers();
    }

    @Override
    protected void onTerminated() {
        super.onTerminated();
        stopWorkers();
    }

    /** Idle workers end now, busy ones (a hard terminate gave up their tasks) when their task returns. */
    private void stopWorkers() {
        stopping = true;
        unparkAll();
    }
}
