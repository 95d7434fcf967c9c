package org.celeriac.pool.spi;

import java.time.Duration;
import org.celeriac.pool.api.WorkerInfo;

/**
 * One worker of an {@link InProcessPool} (a pooled thread, a green runner, solo's turn) and the job it runs
 * now. Only the worker writes {@link #current} and {@code tasksDone}; other threads read them to find a
 * running task (terminateJob, terminate) or to report stats. Keeping this per worker, instead of a shared
 * map of running tasks, keeps the task path free of contended writes.
 */
public final class WorkerSlot {
    private final String id;
    private final long createdNanos = System.nanoTime();
    private volatile Job current;
    private volatile long tasksDone;

    WorkerSlot(String id) {
        this.id = id;
    }

    /** The worker's id (its thread's name). */
    public String id() {
        return id;
    }

    /** Marks {@code job} as this worker's current job; called by the worker before it executes the job. */
    public void begin(Job job) {
        current = job;
    }

    /** Clears the current job; called by the worker after executing it. */
    public void end() {
        current = null;
        tasksDone = tasksDone + 1; // single writer
    }

    Job current() {
        return current;
    }

    WorkerInfo info() {
        Job job = current;
        String state = job == null ? "idle" : job.isRunning() ? "busy" : job.isAbandoned() ? "abandoned" : "idle";
        return new WorkerInfo(id, state, job == null ? null : job.request().id(), tasksDone, -1,
                Duration.ofNanos(System.nanoTime() - createdNanos));
    }
}
