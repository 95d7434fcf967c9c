package org.celeriac.pool.solo.impl;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.spi.InProcessPool;
import org.celeriac.pool.spi.Job;
import org.celeriac.pool.spi.PoolEnvironment;
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
@Component(service = BasePool.class, scope = ServiceScope.PROTOTYPE, property = {
        "pool.name=solo", "pool.green:Boolean=false", "pool.signal.safe:Boolean=true", "service.ranking:Integer=10"})
public final class SoloPool extends InProcessPool {
    private final ReentrantLock turn = new ReentrantLock(true);
    private WorkerSlot slot;

    @Activate
    public SoloPool(@Reference PoolEnvironment env) {
        super("solo", env);
    }


    @Override
    public boolean isGreen() {
        return false;
    }

    @Override
    public boolean signalSafe() {
        return true;
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

    @Override
    protected List<Job> drainQueue() {
        return List.of(); // nothing waits inside the pool: callers wait in applyAsync, already accepted
    }

    @Override
    protected Job findQueued(String taskId) {
        return null; // callers waiting for their turn are not queued in the pool; terminate() still stops them
    }

    @Override
    protected void removeQueued(Job job) {
    }

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
