package org.celeriac.pool.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
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
 * task into a {@link Job}, tracks each worker and its current job ({@link WorkerSlot}, or a job that is its
 * own worker: {@link #openWorker}), enforces time limits with one timer thread, and
 * implements termination, draining and the graceful stop; subclasses decide only how a job reaches a
 * thread ({@link #dispatch}), queueing jobs in the pool's own queue ({@link #enqueue}) or their executor's.
 *
 * <p><b>Time limits and termination on threads.</b> The soft limit interrupts the task's thread and makes
 * {@link Job#checkSoftTimeLimit()} throw; if the task then fails, it fails with
 * {@code SoftTimeLimitExceededException}. The hard limit and {@link #terminateJob} fail the handle at once
 * and interrupt the thread; Java cannot kill a thread, so a task that ignores the interrupt keeps its thread,
 * which the pool gives up and replaces ({@link #jobAbandoned}). Only the prefork pool can truly kill a task.
 *
 * <p><b>Graceful stop.</b> The pool counts accepted jobs and ended jobs; it reaches TERMINATE when it is
 * CLOSE and the two are equal. Abandoned jobs have ended as far as the pool is
 * concerned, so a stuck task cannot hold a stop forever.
 */
public abstract class InProcessPool extends AbstractPool {
    /** How long {@link #terminateJob} by id looks for a job on its way from the queue to a worker. */
    private static final Duration HAND_OFF_WAIT = Duration.ofMillis(50);

    /**
     * Every worker and the job it runs: for terminateJob, stats and a hard terminate. Changed only when a
     * worker comes or goes, never per task. Queued jobs are found in the subclass's queue.
     */
    private final WorkerRegistry<WorkerSlot> slots = new WorkerRegistry<>(WorkerSlot.LINKS);
    /** The jobs that are their own workers ({@link #openWorker}): a green pool's tasks in flight. */
    private final WorkerRegistry<Job> jobWorkers = new WorkerRegistry<>(Job.LINKS);
    /** Jobs waiting for a worker, unless a subclass keeps them elsewhere (see {@link #enqueue}). */
    private final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();
    /**
     * Jobs accepted and jobs ended (done, cancelled, abandoned or refused): the pool is idle when they are
     * equal. Two adders instead of one contended counter, because the submitter and every worker touch them.
     */
    private final LongAdder accepted = new LongAdder();
    private final LongAdder ended = new LongAdder();
    private volatile ScheduledThreadPoolExecutor timers;
    /** Tasks a terminate is looking for that no scan found: see {@link #terminateJob}. */
    private final Set<String> stopOnStart = ConcurrentHashMap.newKeySet();
    /** Per task name, shared by its jobs: a field per job would cost 8 bytes per task in flight. */
    private final ConcurrentHashMap<String, System.Logger> taskLoggers = new ConcurrentHashMap<>();

    /** @see AbstractPool#AbstractPool(PoolEnvironment) */
    protected InProcessPool(PoolEnvironment env) {
        super(env);
    }

    // ---- subclass hooks ----------------------------------------------------------------------------------

    /** Hands the job to a worker thread (or runs it, for solo); may throw {@link RejectedExecutionException}. */
    protected abstract void dispatch(Job job);

    /** Removes and returns every job waiting for a worker, oldest first. By default, from {@link #enqueue}'s queue. */
    protected List<Job> drainQueue() {
        List<Job> drained = new ArrayList<>();
        for (Job j; (j = queue.poll()) != null; ) {
            drained.add(j);
        }
        return drained;
    }

    /** Removes one waiting job from the queue, if it is there. */
    protected void removeQueued(Job job) {
        queue.remove(job);
    }

    /** The waiting job of that task id, or {@code null}. */
    protected Job findQueued(String taskId) {
        for (Job job : queue) {
            if (job.request().id().equals(taskId)) {
                return job;
            }
        }
        return null;
    }

    /** Jobs waiting for a worker. */
    protected int queuedCount() {
        return queue.size();
    }

    /**
     * Puts a job in the pool's own FIFO queue (lock-free), where {@link #drainPending}, {@link #terminateJob}
     * and stats find it. A pool whose executor keeps its own queue overrides the four queue hooks instead.
     */
    protected final void enqueue(Job job) {
        queue.add(job);
    }

    /** The oldest waiting job, taken out of the queue; {@code null} if none waits. */
    protected final Job nextQueued() {
        return queue.poll();
    }

    protected final boolean hasQueued() {
        return !queue.isEmpty();
    }

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

    /**
     * The next job for a thread that started with a job of its own ({@link Job#run()}) and finished it:
     * registered with {@link #openWorker}, or {@code null} to let the thread end. By default {@code null}.
     *
     * @since 1.6
     */
    protected Job nextOnThread() {
        return null;
    }

    // ---- AbstractPool ------------------------------------------------------------------------------------

    @Override
    public Set<PoolCapability> capabilities() {
        return EnumSet.of(PoolCapability.TERMINATE_JOB, PoolCapability.SOFT_TIME_LIMIT, PoolCapability.HARD_TIME_LIMIT);
    }

    @Override
    final PoolTaskHandle newHandle(TaskRequest request, Task task) {
        return new Job(this, request, task);
    }

    @Override
    protected final void onApply(PoolTaskHandle handle, Task task) {
        Job job = (Job) handle; // made by newHandle, with the task
        // Count first, then re-check the state: stop() sets CLOSE and then compares the counts, so either
        // this thread sees CLOSE and refuses, or stop() sees the job and waits for it. Never both miss.
        accepted.increment();
        try {
            checkAccepting();
            dispatch(job);
        } catch (TaskRejectedException | RejectedExecutionException e) {
            ended.increment();
            terminateIfIdle();
            throw e instanceof TaskRejectedException r ? r
                    : new TaskRejectedException("pool '" + name() + "' refused task " + job.taskId() + ": " + e.getMessage());
        }
    }

    @Override
    protected void onStop() {
        terminateIfIdle();
    }

    @Override
    protected final void onTerminate() {
        for (Job job : drainQueue()) {
            job.cancelQueued(new TaskTerminatedException("pool '" + name() + "' was terminated before task "
                    + job.taskId() + " started"));
        }
        for (Job job : runningJobs()) {
            job.abandon(new TaskTerminatedException("pool '" + name() + "' was terminated while task "
                    + job.taskId() + " ran"));
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
            if (job.cancelQueued(new TaskRequeuedException("task " + job.taskId()
                    + " was taken back from pool '" + name() + "' to run elsewhere"))) {
                drained.add(job.request());
            }
        }
        return drained;
    }

    /**
     * Stops the task wherever it is. A job is always in the queue or in a worker's slot, but for the moment
     * it spends between the two (taken from the queue, its slot not yet set), where no scan can see it; a
     * terminate then answered "not here" and the task ran (1.4 % of terminates racing the start, measured).
     * So when a scan finds nothing, the id is left in {@link #stopOnStart}, which every job checks before it
     * starts ({@link #stopRequested}), and the scan is repeated until the job shows up, stops itself, or
     * {@link #HAND_OFF_WAIT} has passed (the task had ended, or was never here). With the handle in hand
     * ({@link PoolTaskHandle#terminate()}) the scan also stops as soon as the task has ended.
     */
    @Override
    public final boolean terminateJob(String taskId) {
        return terminate(taskId, null);
    }

    @Override
    protected final boolean terminate(PoolTaskHandle handle) {
        return terminate(handle.taskId(), handle);
    }

    /** {@link #terminateJob}'s search; with the task's {@code handle} (or {@code null}), given up once it has ended. */
    private boolean terminate(String taskId, PoolTaskHandle handle) {
        long deadline = System.nanoTime() + HAND_OFF_WAIT.toNanos();
        Job job = find(taskId);
        if (job != null) {
            return terminated(job);
        }
        stopOnStart.add(taskId);
        try {
            for (long pause = 10_000; ; pause = Math.min(2 * pause, 2_000_000)) {
                job = find(taskId);
                if (job != null && terminated(job)) {
                    return true;
                }
                boolean ended = job != null || (handle != null && handle.isDone()) || System.nanoTime() > deadline;
                if (ended || !stopOnStart.contains(taskId)) {
                    // Taken back: the task had ended. Or not there to take: the job took the request on its way
                    // to a worker and stopped itself (also when it raced the scan above, which then found it ended).
                    return !stopOnStart.remove(taskId);
                }
                LockSupport.parkNanos(pause);
            }
        } finally {
            stopOnStart.remove(taskId);
        }
    }

    private static boolean terminated(Job job) {
        return job.abandon(new TaskTerminatedException("task " + job.request().id() + " was terminated"));
    }

    /** The job of that task in a worker's slot, else in the queue, else {@code null}. */
    private Job find(String taskId) {
        for (Job j : runningJobs()) {
            if (j.request().id().equals(taskId)) {
                return j;
            }
        }
        return findQueued(taskId);
    }

    /**
     * Whether a terminate asked for this task while no scan could see it; the job then does not start. Called
     * by every job before it starts: the common case is one read of an empty set.
     */
    boolean stopRequested(String taskId) {
        return !stopOnStart.isEmpty() && stopOnStart.remove(taskId);
    }

    @Override
    public PoolStats stats() {
        List<WorkerInfo> workers = new ArrayList<>();
        for (WorkerSlot slot : slots.snapshot()) {
            workers.add(slot.info());
        }
        for (Job job : jobWorkers.snapshot()) {
            workers.add(job.workerInfo());
        }
        int active = 0;
        for (WorkerInfo info : workers) {
            active += info.state().equals("busy") ? 1 : 0;
        }
        workers.sort(java.util.Comparator.comparing(WorkerInfo::id));
        return new PoolStats(name(), state(), concurrency(), active, queuedCount(), completedCount(), failedCount(), workers);
    }

    /** The jobs that workers are running now (including abandoned ones whose thread has not come back). */
    private List<Job> runningJobs() {
        List<Job> jobs = new ArrayList<>();
        for (WorkerSlot slot : slots.snapshot()) {
            Job job = slot.current();
            if (job != null) {
                jobs.add(job);
            }
        }
        jobs.addAll(jobWorkers.snapshot());
        return jobs;
    }

    /** Registers a new worker; subclasses call this when a worker thread starts. */
    protected final WorkerSlot openSlot(String workerId) {
        return openSlot(new WorkerSlot(workerId));
    }

    /** Registers a worker whose slot the subclass made itself (see {@link WorkerSlot#WorkerSlot(String)}). */
    protected final <S extends WorkerSlot> S openSlot(S slot) {
        slots.add(slot);
        return slot;
    }

    /** Forgets a worker; subclasses call this when a worker thread ends. */
    protected final void closeSlot(WorkerSlot slot) {
        slots.remove(slot);
    }

    /**
     * Registers {@code job} as a worker of its own, for a pool that starts a thread per task (green): from
     * here until {@link #closeWorker}, terminateJob, stats and a hard terminate find it as they find a slot's
     * current job. Call it before the job's thread starts, so that the job is visible however long the
     * thread waits to run; the job's worker id is then {@link #workerId(Thread)} of the thread that enters it.
     *
     * @since 1.6
     */
    protected final void openWorker(Job job) {
        jobWorkers.add(job);
    }

    /** Forgets a job registered with {@link #openWorker}; call it when its thread is done with it. */
    protected final void closeWorker(Job job) {
        jobWorkers.remove(job);
    }

    // ---- job callbacks -----------------------------------------------------------------------------------

    /** The job ended as far as the pool is concerned: done, cancelled, or abandoned. Called once per job. */
    void jobFinished(Job job) {
        ended.increment();
        terminateIfIdle();
    }

    /** Ended is read before accepted: a concurrent apply counts itself accepted before it can count itself ended. */
    private void terminateIfIdle() {
        if (state() == PoolState.CLOSE && ended.sum() == accepted.sum()) {
            terminated();
        }
    }

    /** The logger a task named {@code taskName} gets from {@link Job#logger()}. */
    System.Logger taskLogger(String taskName) {
        return taskLoggers.computeIfAbsent(taskName, n -> System.getLogger("org.celeriac.task." + n));
    }

    /** The pool's timer thread, started on first use. */
    ScheduledExecutorService timers() {
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
        return t;
    }

    ScheduledFuture<?> schedule(Runnable action, Duration delay) {
        try {
            return timers().schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null; // the pool terminated meanwhile; its jobs were cut off already
        }
    }
}
