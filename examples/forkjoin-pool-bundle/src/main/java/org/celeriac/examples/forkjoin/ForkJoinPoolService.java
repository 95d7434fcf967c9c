package org.celeriac.examples.forkjoin;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
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
 * {@code pool.name=forkjoin}: a third-party pool, and the template for writing one. It runs tasks on a
 * work-stealing {@link ForkJoinPool} of {@code concurrency} threads (default: one per CPU).
 *
 * <p>Extending {@link InProcessPool} gives it the whole {@link BasePool} contract (lifecycle, time limits,
 * terminateJob, drainPending, stats, events); the pool only decides how a job reaches a thread. Jobs wait in
 * the pool's FIFO queue ({@code enqueue}), so that they can be drained and found by id; each submission to the ForkJoinPool
 * runs one queued job. Register it with DS as a prototype-scoped {@code BasePool} service with a
 * {@code pool.name}, and the worker can select it, hot-swap to it, and fail over from it.
 *
 * <p>Can also be loaded without DS through {@code CELERIAC_CUSTOM_WORKER_POOL}, thanks to its public
 * {@code (PoolEnvironment)} constructor.
 */
@Component(service = BasePool.class, scope = ServiceScope.PROTOTYPE, property = "service.ranking:Integer=20")
@PoolService(name = "forkjoin")
public final class ForkJoinPoolService extends InProcessPool {
    private ForkJoinPool forkJoin;
    private int parallelism;

    @Activate
    public ForkJoinPoolService(@Reference PoolEnvironment env) {
        super(env);
    }


    @Override
    public Set<PoolCapability> capabilities() {
        return EnumSet.of(PoolCapability.TERMINATE_JOB, PoolCapability.SOFT_TIME_LIMIT, PoolCapability.HARD_TIME_LIMIT);
    }

    @Override
    protected void onStart(PoolConfig config) {
        parallelism = config.concurrencyOr(Runtime.getRuntime().availableProcessors());
        forkJoin = new ForkJoinPool(parallelism, pool -> new SlotThread(pool), null, true);
    }

    /** A ForkJoinPool thread registered as a worker of this pool for its lifetime. */
    private final class SlotThread extends ForkJoinWorkerThread {
        private WorkerSlot slot;

        SlotThread(ForkJoinPool pool) {
            super(pool);
            setDaemon(true);
        }

        @Override
        protected void onStart() {
            slot = openSlot(getName());
        }

        @Override
        protected void onTermination(Throwable exception) {
            closeSlot(slot);
        }
    }

    @Override
    protected void dispatch(Job job) {
        enqueue(job);
        forkJoin.execute(this::runOne);
    }

    private void runOne() {
        Job job = nextQueued();
        if (job != null) {
            WorkerSlot slot = ((SlotThread) Thread.currentThread()).slot;
            slot.begin(job);
            job.execute();
            slot.end();
        }
    }

    @Override
    protected int concurrency() {
        return parallelism;
    }




    @Override
    protected void shutdownWorkers() {
        forkJoin.shutdownNow();
    }

    @Override
    protected void onTerminated() {
        super.onTerminated();
        if (forkJoin != null) {
            forkJoin.shutdown();
        }
    }
}
