package org.celeriac.pool.solo.impl;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.celeriac.pool.api.BasePool;
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
 * {@code pool.name=solo}: Celery's {@code solo} pool. {@code applyAsync} runs the task inline on the
 * caller's thread and returns a handle that is already complete; concurrency is 1, so callers on other
 * threads wait their turn (FIFO) inside {@code applyAsync}.
 *
 * <p>This is the one pool that blocks its caller, by contract: while a task runs, whatever thread submitted
 * it (the shell, a broker consumer) does nothing else. Time limits and {@code terminateJob} fail the handle
 * on time and interrupt the task, but the caller gets its thread back only when the task returns; a task
 * that ignores interrupts holds it. Use it for debugging and for strictly sequential work.
 */
@Component(service = BasePool.class, scope = ServiceScope.PROTOTYPE, property = "service.ranking:Integer=10")
@PoolService(name = "solo", signal_safe = true)
public final class SoloPool extends InProcessPool {
    private final ReentrantLock turn = new ReentrantLock(true);
    private WorkerSlot slot;

    @Activate
    public SoloPool(@Reference PoolEnvironment env) {
        super(env);
    }


    @Override
    protected void onStart(PoolConfig config) {
        if (config.concurrency() > 1) {
            throw new IllegalArgumentException("pool 'solo' runs one task at a time; concurrency must be 0 or 1, was "
                    + config.concurrency());
        }
        slot = openSlot("solo");
    }

    @Override
    protected void dispatch(Job job) {
        turn.lock();
        try {
            slot.begin(job);
            job.execute();
            slot.end();
        } finally {
            turn.unlock();
        }
    }

    /** Nothing waits inside the pool (callers wait in applyAsync, already accepted): those waiting for their turn. */
    @Override
    protected int queuedCount() {
        return turn.getQueueLength();
    }

    @Override
    protected int concurrency() {
        return 1;
    }

    @Override
    protected void shutdownWorkers() {
        // The workers are the callers' threads; abandoning their jobs interrupted them.
    }
}
