package org.celeriac.pool.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskRejectedException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.WorkerInfo;

/**
 * Base of the pools whose workers are threads of this JVM (threads, green, solo). It turns each accepted
 * task into a {@link Job}, tracks the jobs by task id, enforces time limits with one timer thread, and
 * implements termination, draining and the graceful stop; subclasses decide only how a job reaches a
 * thread ({@link #dispatch}) and how their queue is drained.
 *
 * <p><b>Time limits and termination on threads.</b> The soft limit interrupts the task's thread and makes
 * {@link Job#checkSoftTimeLimit()} throw; if the task then fails, it fails with
 * {@code SoftTimeLimitExceededException}. The hard limit and {@link #terminateJob} fail the handle at once
 * and interrupt the thread; Java cannot kill a thread, so a task that ignores the interrupt keeps its thread,
 * which the pool gives up and replaces ({@link #jobAbandoned}). Only the prefork pool can truly kill a task.
 *
 * <p><b>Graceful stop.</b> The pool counts accepted jobs that have not ended ({@code outstanding}); it
 * reaches TERMINATE when it is CLOSE and that count is zero. Abandoned jobs have ended as far as the pool is
 * concerned, so a stuck task cannot hold a stop forever.
 */
public abstract class InProcessPool extends AbstractPool {
    private final ConcurrentHashMap<String, Job> jobs = new ConcurrentHashMap<>();
    /** Accepted jobs that have not ended: incremented before the state re-check in onApply (see there). */
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile ScheduledThreadPoolExecutor timers;

    protected InProcessPool(String name, PoolEnvironment env) {
        super(name, env);
    }

    // ---- subclass hooks ----------------------------------------------------------------------------------

    /** Hands the job to a worker thread (or runs it, for solo); may throw {@link RejectedExecutionException}. */
    protected abstract void dispatch(Job job);

    /** Removes and returns every job waiting for a worker. */
    protected abstract List<Job> drainQueue();

    /** Removes one waiting job from the queue, if it is there. */
    protected abstract void removeQueued(Job job);

    /** Jobs waiting for a worker. */
    protected abstract int queuedCount();

    /** Configured workers. */
    protected abstract int concurrency();

    /** Stops the workers after a hard {@link #terminate()}: interrupt them, do not wait for stuck ones. */
    protected abstract void shutdownWorkers();

    /** A job's thread was given up while the task still runs on it; pools with a fixed thread set replace it. */
    protected void jobAbandoned(Job job) {
    }

    /** The thread of an abandoned job came back from the task. */
    protected void abandonedJobReturned(Job job) {
    }

    /** The worker id shown for a thread. */
    protected String workerId(Thread thread) {
        return thread.getName();
    }

    // ---- AbstractPool ------------------------------------------------------------------------------------

    @Override
    public Set<PoolCapability> capabilities() {
        return EnumSet.of(PoolCapability.TERMINATE_JOB, PoolCapability.SOFT_TIME_LIMIT, PoolCapability.HARD_TIME_LIMIT);
    }

    @Override
    protected final void onApply(PoolTaskHandle handle, Task task) {
        TaskRequest request = handle.request();
        Duration soft = request.softTimeLimit() != null ? request.softTimeLimit() : config().softTimeLimit();
        Duration hard = request.timeLimit() != null ? request.timeLimit() : config().timeLimit();
        Job job = new Job(this, handle, task, soft, hard);
        // Count first, then re-check the state: stop() sets CLOSE and then reads the count, so either this
        // thread sees CLOSE and refuses, or stop() sees the job and waits for it. Never both misses.
        outstanding.incrementAndGet();
        try {
            checkAccepting();
        } catch (TaskRejectedException e) {
            jobEnded();
            throw e;
        }
        if (jobs.putIfAbsent(request.id(), job) != null) {
            jobEnded();
            handle.fail(new IllegalArgumentException("task id " + request.id() + " is already in pool '" + name()
                    + "'; a task id runs at most once at a time"));
            return;
        }
        try {
            dispatch(job);
        } catch (RejectedExecutionException e) {
            jobs.remove(request.id(), job);
            jobEnded();
            throw new TaskRejectedException("pool '" + name() + "' refused task " + request.id() + ": " + e.getMessage());
        }
    }

    @Override
    protected void onStop() {
        if (outstanding.get() == 0) {
            terminated();
        }
    }

    @Override
    protected final void onTerminate() {
        for (Job job : drainQueue()) {
            job.cancelQueued(new TaskTerminatedException("pool '" + name() + "' was terminated before task "
                    + job.handle().taskId() + " started"));
        }
        for (Job job : List.copyOf(jobs.values())) {
            job.abandon(new TaskTerminatedException("pool '" + name() + "' was terminated while task "
                    + job.handle().taskId() + " ran"));
        }
        shutdownWorkers();
    }

    @Override
    protected void onTerminated() {
        ScheduledThreadPoolExecutor t = timers;
        if (t != null) {
            t.shutdownNow();
        }
    }

    @Override
    public final List<TaskRequest> drainPending() {
        List<TaskRequest> drained = new ArrayList<>();
        for (Job job : drainQueue()) {
            if (job.cancelQueued(new TaskRequeuedException("task " + job.handle().taskId()
                    + " was taken back from pool '" + name() + "' to run elsewhere"))) {
                drained.add(job.handle().request());
            }
        }
        return drained;
    }

    @Override
    public final boolean terminateJob(String taskId) {
        Job job = jobs.get(taskId);
        return job != null && job.abandon(new TaskTerminatedException("task " + taskId + " was terminated"));
    }

    @Override
    public PoolStats stats() {
        List<WorkerInfo> busy = new ArrayList<>();
        for (Job job : jobs.values()) {
            String worker = job.workerId();
            if (worker != null) {
                busy.add(new WorkerInfo(worker, "busy", job.handle().taskId(), 0, -1,
                        Duration.ofNanos(job.runningNanos())));
            }
        }
        return new PoolStats(name(), state(), concurrency(), Math.max(0, running.get()), queuedCount(),
                completedCount(), failedCount(), busy);
    }

    // ---- job callbacks -----------------------------------------------------------------------------------

    void jobStarted(Job job) {
        running.incrementAndGet();
    }

    /** The job ended as far as the pool is concerned: done, cancelled, or abandoned. Called once per job. */
    void jobFinished(Job job, boolean wasRunning) {
        jobs.remove(job.handle().taskId(), job);
        if (wasRunning) {
            running.decrementAndGet();
        }
        jobEnded();
    }

    private void jobEnded() {
        if (outstanding.decrementAndGet() == 0 && state() == PoolState.CLOSE) {
            terminated();
        }
    }

    ScheduledFuture<?> schedule(Runnable action, Duration delay) {
        ScheduledThreadPoolExecutor t = timers;
        if (t == null) {
            synchronized (this) {
                t = timers;
                if (t == null) {
                    t = new ScheduledThreadPoolExecutor(1, r -> {
                        Thread thread = new Thread(r, "celeriac-" + name() + "-timer");
                        thread.setDaemon(true);
                        return thread;
                    });
                    t.setRemoveOnCancelPolicy(true);
                    timers = t;
                }
            }
        }
        try {
            return t.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null; // the pool terminated meanwhile; its jobs were cut off already
        }
    }
}
