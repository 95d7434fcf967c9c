package org.celeriac.pool.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.WorkerInfo;

/**
 * One accepted task of an {@link InProcessPool}, from queue to completion: its handle, and the
 * {@link TaskContext} the task sees. A worker thread runs it with {@link #execute()}; in a pool whose
 * workers live for one task (green), the job is also its worker ({@link InProcessPool#openWorker}).
 *
 * <h2>State machine</h2> (field {@code state}, changed only by CAS; lock-free because it is on every task's path)
 * <pre>
 *   QUEUED  --execute()-------------> RUNNING --task returned--> DONE
 *   QUEUED  --cancel / expiry-------> CANCELLED (drained, terminated, or expired before it started)
 *   RUNNING --abandon()-------------> INTERRUPTING --> ABANDONED (hard limit or terminate: handle failed,
 *                                                                 thread interrupted and given up)
 * </pre>
 * Interrupts are sent only from INTERRUPTING, which the runner waits out before it leaves RUNNING and clears
 * its interrupt flag, so an interrupt never leaks into the next task that a pooled thread runs. The soft
 * limit is a {@link SoftTimeLimit}, guarded the same way, which the runner finishes first.
 */
public final class Job extends PoolTaskHandle implements TaskContext, Runnable {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    /** Transient: another thread is interrupting the task; the runner must not leave RUNNING meanwhile. */
    private static final int INTERRUPTING = 2;
    private static final int DONE = 3;
    private static final int ABANDONED = 4;
    private static final int CANCELLED = 5;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Job.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Task task;
    // Fields are few on purpose: a green pool holds a Job per task in flight, up to a million of them. For the
    // same reason the job is its own handle, as a FutureTask is its own future: one object, not two (24 bytes).
    /** QUEUED (0) until {@link #execute}: not initialised, because javac would emit a volatile store, a full fence per submit. */
    private volatile int state;
    private Thread thread;                // written before QUEUED -> RUNNING, read only after seeing RUNNING
    private SoftTimeLimit soft = SoftTimeLimit.NONE; // armed, read and finished by the running thread only
    private ScheduledFuture<?> hardTimer;  // written and cancelled by the running thread only
    /**
     * Links in the pool's registry of jobs that are their own workers ({@link InProcessPool#openWorker}),
     * guarded by the registry's stripe. A green pool's worker is its task's virtual thread: linking the job
     * itself costs 8 bytes a task where a worker object of its own cost 56.
     */
    private Job prev;
    private Job next;

    static final WorkerRegistry.Links<Job> LINKS = new WorkerRegistry.Links<>() {
        @Override
        public Job prev(Job j) {
            return j.prev;
        }

        @Override
        public Job next(Job j) {
            return j.next;
        }

        @Override
        public void link(Job j, Job prev, Job next) {
            j.prev = prev;
            j.next = next;
        }

        @Override
        public int hash(Job j) {
            return j.taskId().hashCode(); // a String caches its hash
        }
    };

    Job(InProcessPool pool, TaskRequest request, Task task) {
        super(request, pool);
        this.task = task;
    }

    /** The pool this job belongs to, kept by the handle (a field of its own would cost 8 bytes a job). */
    private InProcessPool pool() {
        return (InProcessPool) owner();
    }

    /** Whether the task was given up while it ran (its thread has not come back yet, or has). */
    boolean isAbandoned() {
        return state == ABANDONED;
    }

    /** Whether the task is running on a thread now. */
    boolean isRunning() {
        int s = state;
        return s == RUNNING || s == INTERRUPTING;
    }

    /**
     * Runs the task on the calling thread, unless the job was cancelled while queued.
     *
     * @return {@code false} if the job was abandoned while it ran: the pool has already released its worker
     *         slot, so the caller must not take another task on its behalf
     */
    public boolean execute() {
        return execute(null);
    }

    /**
     * {@link #execute()} on the worker of {@code slot}, which the task reports as its worker instead of the
     * thread's name (see {@link WorkerSlot#WorkerSlot(String, long, Job)}); {@code null}: the thread's name.
     */
    public boolean execute(WorkerSlot slot) {
        return !enter(slot) || exit(call());
    }

    /**
     * The first of {@link #execute(WorkerSlot)}'s three steps, for a pool that calls them itself (see
     * {@link #call()}): fails the job if it expired or was terminated before it started, else marks it started
     * on {@code slot}'s worker and arms its time limits.
     *
     * @return whether the task is to be {@linkplain #call() called}; if {@code false}, the job has ended
     * @since 1.5
     */
    public boolean enter(WorkerSlot slot) {
        TaskExpiredException expired = expiredBeforeStart();
        if (expired != null) {
            if (STATE.compareAndSet(this, QUEUED, CANCELLED)) {
                fail(expired);
                pool().jobFinished(this);
            }
            return false;
        }
        TaskRequest request = request();
        Thread me = Thread.currentThread();
        thread = me;
        if (pool().state() == PoolState.TERMINATE) {
            cancelQueued(new TaskTerminatedException("pool '" + pool().name() + "' was terminated before task "
                    + request.id() + " started"));
            return false;
        }
        if (pool().stopRequested(request.id())) { // terminated on its way here, where no scan could see it
            cancelQueued(new TaskTerminatedException("task " + request.id() + " was terminated before it started"));
            return false;
        }
        if (!STATE.compareAndSet(this, QUEUED, RUNNING)) {
            return false; // cancelled while queued: nothing to run, the slot is still ours
        }
        if (slot != null) {
            markStarted(slot);
        } else {
            markStarted(this); // the id, pool().workerId(thread), made when asked: see ownWorkerId()
        }
        armTimers(request);
        return true;
    }

    /**
     * The second step: calls the task on this thread, after {@link #enter} returned {@code true}.
     *
     * <p>A step of its own, because whatever frames are below the task while it runs are frozen with it when
     * it blocks on a virtual thread: a green pool holds one stack per task in flight, up to a million. Called
     * by the worker's loop itself between {@code enter} and {@link #exit} (as {@link #run()} does), the task
     * sits on that loop's frame, not also on the frame of the {@code execute} that the JIT compiled with a
     * task's whole start and end inlined (the JIT would not inline that one into the loop: "already compiled
     * into a big method"). Measured with 1M sleeping green tasks in {@code PoolBench}: 1.31-1.38x the raw virtual
     * threads' heap before, 1.26x after; how deep the stack is still depends on the JIT's state when the
     * task parks (the design notes have the figures).
     *
     * @return the task's value, or its exception wrapped, for {@link #exit}
     * @since 1.5
     */
    public Object call() {
        TaskRequest request = request();
        try {
            return task.call(this, request.args(), request.kwargs());
        } catch (Throwable t) {
            return new Thrown(t);
        }
    }

    /** What {@link #call()} returns when the task threw: a type of its own, which no task's value can be. */
    private record Thrown(Throwable error) {
    }

    /**
     * The third step: completes the handle with {@code outcome} (from {@link #call()}), unless the job was
     * abandoned while the task ran.
     *
     * @return {@code false} if the job was abandoned while it ran: the pool has already released its worker
     *         slot, so the caller must not take another task on its behalf
     * @since 1.5
     */
    public boolean exit(Object outcome) {
        soft.finish();
        if (hardTimer != null) {
            hardTimer.cancel(false);
        }
        boolean owned = leaveRunning();
        Thread.interrupted(); // an interrupt aimed at this task must not reach the thread's next one
        if (!owned) {
            pool().abandonedJobReturned(this);
            return false;
        }
        if (outcome instanceof Thrown thrown) {
            fail(soft.failure(thrown.error()));
        } else {
            succeed(outcome);
        }
        pool().jobFinished(this);
        return true;
    }

    /** RUNNING -> DONE, waiting out a concurrent interrupt; {@code false} if the job was abandoned. */
    private boolean leaveRunning() {
        for (;;) {
            int s = state;
            if (s == RUNNING && STATE.compareAndSet(this, RUNNING, DONE)) {
                return true;
            }
            if (s == INTERRUPTING) {
                Thread.onSpinWait(); // a few instructions: the interrupter is between two writes
                continue;
            }
            if (s == ABANDONED) {
                return false;
            }
        }
    }

    /**
     * Interrupts the running task and gives it up (RUNNING -> INTERRUPTING -> ABANDONED). The INTERRUPTING
     * step keeps the runner from finishing, and clearing its interrupt flag, while the interrupt is sent, so
     * that the interrupt can never hit the next task of a pooled thread.
     *
     * @return whether the task was running and has been interrupted
     */
    private boolean abandonRunning() {
        for (;;) {
            int s = state;
            if (s == INTERRUPTING) {
                Thread.onSpinWait();
                continue;
            }
            if (s != RUNNING) {
                return false;
            }
            if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
                thread.interrupt();
                state = ABANDONED;
                return true;
            }
        }
    }

    /**
     * Runs the job on the calling thread as its own worker, then the jobs its pool hands this thread
     * ({@link InProcessPool#nextOnThread}), for a pool that starts a thread per job (green) after registering
     * the job with {@link InProcessPool#openWorker}; each job leaves the registry when it is done. Called as
     * a {@code Runnable} by a plain executor, it is {@link #execute()} with no worker registered.
     *
     * <p>The loop is here, in the method the thread calls, and only the job is live across the task's call,
     * because the frames below a task that blocks on a virtual thread are frozen with it, up to a million
     * of them: a pool's hook called from here for the loop was a second frame the JIT would not inline
     * (+80 bytes a parked task, measured); with the start, call and end in one loop body C2 made a 128-144
     * byte frame, with the end and the next job taken in {@link #leave} 96.
     */
    @Override
    public void run() {
        Job job = this;
        try {
            while (job != null) {
                job = job.enter(null) ? job.leave(job.call()) : job.leave(NOT_ENTERED);
            }
        } catch (RuntimeException | Error e) {
            pool().closeWorker(job); // a job whose start or end threw must not stay listed as a worker
            throw e;
        }
    }

    /** What {@link #leave} gets for a job that did not start (cancelled, expired or terminated before it). */
    private static final Object NOT_ENTERED = new Object();

    /**
     * Ends {@code outcome}'s job ({@link #exit}, unless it never started) and takes it out of the registry.
     *
     * @return the job this thread runs next, or {@code null}: none, or this one was abandoned (the pool
     *         released its worker when it gave the task up)
     */
    private Job leave(Object outcome) {
        InProcessPool pool = pool();
        boolean abandoned;
        try {
            abandoned = outcome != NOT_ENTERED && !exit(outcome);
        } finally {
            pool.closeWorker(this);
        }
        return abandoned ? null : pool.nextOnThread();
    }

    /** The id of the worker running this job when no slot was given to {@link #enter}: its thread's, as the pool names it. */
    String ownWorkerId() {
        Thread t = thread;
        return t == null ? null : pool().workerId(t);
    }

    /** The state stats show for the worker that has this job. */
    String workerState() {
        return isRunning() ? "busy" : isAbandoned() ? "abandoned" : "idle";
    }

    /**
     * This job as stats show it when it is its own worker ({@link InProcessPool#openWorker}): it has done no
     * task yet, and its age is not kept (8 bytes a task), so it shows as zero.
     */
    WorkerInfo workerInfo() {
        String id = ownWorkerId(); // null until its thread enters it
        return new WorkerInfo(id == null ? "(starting)" : id, workerState(), taskId(), 0, -1, Duration.ZERO);
    }

    /** Fails a job that has not started with {@code error}; {@code false} if it already started or ended. */
    boolean cancelQueued(Throwable error) {
        if (!STATE.compareAndSet(this, QUEUED, CANCELLED)) {
            return false;
        }
        fail(error);
        pool().jobFinished(this);
        return true;
    }

    /**
     * Stops the job whatever its stage: a queued one is cancelled, a running one fails with {@code error},
     * its thread is interrupted and given up (Java cannot stop a thread; the pool replaces it).
     *
     * @return {@code false} if the job had already ended
     */
    boolean abandon(Throwable error) {
        if (STATE.compareAndSet(this, QUEUED, CANCELLED)) {
            fail(error);
            pool().removeQueued(this);
            pool().jobFinished(this);
            return true;
        }
        if (!abandonRunning()) {
            return false;
        }
        fail(error);
        pool().jobFinished(this);
        pool().jobAbandoned(this);
        return true;
    }

    /** The limits in effect when the task starts (a pool's config changes only with a restart). */
    private void armTimers(TaskRequest request) {
        Duration softLimit = pool().config().softTimeLimitFor(request);
        if (softLimit != null) {
            soft = SoftTimeLimit.arm(request, softLimit, pool().timers());
        }
        Duration hard = pool().config().timeLimitFor(request);
        if (hard != null) {
            hardTimer = pool().schedule(() -> abandon(new TimeLimitExceededException(
                    "task " + request.name() + "[" + taskId() + "] exceeded its hard time limit of "
                            + hard + " on " + workerId())), hard);
        }
    }

    // ---- TaskContext -------------------------------------------------------------------------------------

    /** Also true from the moment a terminate or hard limit starts interrupting the task. */
    @Override
    public boolean isCancelled() {
        int s = state;
        return s == INTERRUPTING || s == ABANDONED || s == CANCELLED || soft.hit();
    }

    @Override
    public void checkSoftTimeLimit() {
        soft.check();
    }

    @Override
    public System.Logger logger() {
        return pool().taskLogger(request().name());
    }
}
