package org.celeriac.pool.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import org.celeriac.pool.api.WorkerInfo;

/**
 * One worker of an {@link InProcessPool} (a pooled thread, solo's turn) and the job it runs
 * now. Only the worker writes {@link #current} and {@code tasksDone}; other threads read them to find a
 * running task (terminateJob, terminate) or to report stats. Keeping this per worker, instead of a shared
 * map of running tasks, keeps the task path free of contended writes.
 * A slot belongs to one pool and is registered at most once.
 */
public class WorkerSlot {
    /** The id, or its prefix when {@link #number} is not negative (the id is then made when asked). */
    private final String prefix;
    private final long number;
    private final long createdNanos = System.nanoTime();
    /** Written with release stores (see {@link #begin}); read as volatile. */
    private volatile Job current;
    private volatile long tasksDone;
    private static final VarHandle CURRENT;
    private static final VarHandle TASKS_DONE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CURRENT = lookup.findVarHandle(WorkerSlot.class, "current", Job.class);
            TASKS_DONE = lookup.findVarHandle(WorkerSlot.class, "tasksDone", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /** Links in the pool's {@link WorkerRegistry}, guarded by the registry's stripe. */
    private WorkerSlot prev;
    private WorkerSlot next;

    static final WorkerRegistry.Links<WorkerSlot> LINKS = new WorkerRegistry.Links<>() {
        @Override
        public WorkerSlot prev(WorkerSlot s) {
            return s.prev;
        }

        @Override
        public WorkerSlot next(WorkerSlot s) {
            return s.next;
        }

        @Override
        public void link(WorkerSlot s, WorkerSlot prev, WorkerSlot next) {
            s.prev = prev;
            s.next = next;
        }

        @Override
        public int hash(WorkerSlot s) {
            return s.prefix.hashCode() * 31 + Long.hashCode(s.number); // a String caches its hash
        }
    };

    /** A slot for the worker {@code id}, registered with {@link InProcessPool#openSlot(WorkerSlot)}. */
    protected WorkerSlot(String id) {
        this.prefix = id;
        this.number = -1;
    }

    /**
     * A slot for the worker {@code prefix + number}, whose worker starts with {@code first}. For pools that
     * make many short-lived workers and subclass it as the worker's {@code Runnable}, so that the one object
     * serves as both (a pool that makes a worker per task needs no slot: see
     * {@link InProcessPool#openWorker(Job)}):
     * <ul>
     * <li>the id is a string only when someone asks for it (stats, a task's {@code workerId()}), not a
     * 56-byte string per task in flight;</li>
     * <li>{@code first} is the {@linkplain #current() current} job from the moment the slot is registered,
     * so terminateJob finds it before the worker gets to it, and the worker needs no field to carry it.</li>
     * </ul>
     * Jobs run with {@link Job#execute(WorkerSlot)} report this id as their worker.
     */
    protected WorkerSlot(String prefix, long number, Job first) {
        if (number < 0) {
            throw new IllegalArgumentException("worker number must not be negative: " + number);
        }
        this.prefix = prefix;
        this.number = number;
        this.current = first;
    }

    /** The worker's id (its thread's name, or the prefix and number it was made with). */
    public final String id() {
        return number < 0 ? prefix : prefix + number;
    }

    @Override
    public final String toString() {
        return id();
    }

    /**
     * Marks {@code job} as this worker's current job; called by the worker before it executes the job.
     *
     * <p>A release store, not a volatile one: a volatile store is a full fence, three per task with
     * {@link #end}, and nothing needs them. A terminate that scans before the store is visible leaves the id
     * in the pool's stop set and scans again until the job shows up (see {@link InProcessPool#terminateJob});
     * stats read a value at most a task old.
     */
    public void begin(Job job) {
        CURRENT.setRelease(this, job);
    }

    /** Clears the current job; called by the worker after executing it. Release stores, as in {@link #begin}. */
    public void end() {
        CURRENT.setRelease(this, (Job) null);
        TASKS_DONE.setRelease(this, (long) TASKS_DONE.get(this) + 1); // single writer
    }

    /** The job this worker runs now, or is about to run; {@code null} between jobs. */
    protected final Job current() {
        return current;
    }

    WorkerInfo info() {
        Job job = current;
        return new WorkerInfo(id(), job == null ? "idle" : job.workerState(), job == null ? null : job.request().id(),
                tasksDone, -1, Duration.ofNanos(System.nanoTime() - createdNanos));
    }
}
