package org.celeriac.pool.prefork.impl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.UnknownTaskException;
import org.celeriac.pool.api.WorkerLostException;
import org.celeriac.pool.prefork.protocol.Frame;
import org.celeriac.pool.prefork.protocol.Payloads;
import org.celeriac.pool.prefork.protocol.ProtocolException;

/**
 * The tasks: the queue, which child runs what, results, hard time limits, terminate and drain. Hub thread
 * only. An idle child gets the next task first (fair scheduling); with {@code prefetch} above 1, the least
 * loaded one. A child's sent tasks are its {@link Child#outstanding} queue, the running one first.
 *
 * <p><b>Sending ahead at concurrency 1.</b> Fair scheduling keeps a task in the worker until a child is
 * idle, so that it never waits behind a busy child while another one could run it. With one child there is
 * no other child, and waiting only costs: the child idles for a round trip through the worker after every
 * task (on these machines 50–400 µs, mostly waking idle vCPUs; a ~1 ms task ran at 0.76x the raw loop's
 * speed, 0.87–0.96x with this). So at concurrency 1 the next task is sent while the current one runs. A task sent
 * ahead that is terminated before it starts is skipped by the child ({@link Frame#CANCEL}); one that the
 * pool is drained of stays and runs (drain hands back only what the worker still holds).
 */
final class Scheduler {
    private static final String UNKNOWN_TASK = UnknownTaskException.class.getName();

    private final Supervisor supervisor;
    private final PoolConfig config;
    private final int prefetch;
    private final ArrayDeque<PendingJob> queue = new ArrayDeque<>();

    Scheduler(Supervisor supervisor, PoolConfig config, int prefetch) {
        this.supervisor = supervisor;
        this.config = config;
        this.prefetch = prefetch;
    }

    void enqueue(PendingJob job) {
        queue.add(job);
    }

    int queued() {
        return queue.size();
    }

    /** Nothing queued and nothing sent to a child. */
    boolean idle() {
        return queue.isEmpty() && supervisor.children().stream().allMatch(c -> c.outstanding.isEmpty());
    }

    /** Sends queued tasks to children that take work (the frames go out when the hub flushes). */
    void dispatch() {
        while (!queue.isEmpty()) {
            Child c = pickChild();
            if (c == null) {
                return;
            }
            PendingJob job = queue.poll();
            if (job.handle.isDone()) {
                continue; // terminated while it waited
            }
            TaskExpiredException expired = job.handle.expiredBeforeStart();
            if (expired != null) {
                job.handle.fail(expired); // revoked if not started in time: a child never sees it
                continue;
            }
            c.outstanding.add(job);
            if (c.outstanding.size() == 1) {
                startRunning(c, job);
            }
            c.toWrite.add(job.frame.duplicate());
        }
    }

    private Child pickChild() {
        Child best = null;
        int limit = prefetch == 1 && supervisor.target() == 1 ? 2 : prefetch; // see "sending ahead" above
        for (Child c : supervisor.children()) {
            // A child from before the worker's tasks changed may run an old version of a task: none of them
            // gets new work; the roll-over replaces them once the change has settled.
            if (c.acceptsWork(limit) && c.generation == supervisor.generation()) {
                if (c.outstanding.isEmpty()) {
                    return c;
                }
                if (best == null || c.outstanding.size() < best.outstanding.size()) {
                    best = c;
                }
            }
        }
        return best;
    }

    private static void startRunning(Child c, PendingJob job) {
        c.hardDeadline = job.hardLimit == null ? 0 : System.nanoTime() + job.hardLimit.toNanos();
        job.handle.markStarted(Long.toString(c.pid));
    }

    /** A RESULT frame: completes the child's running task, starts its next one, recycles the child if due. */
    void result(Child c, Frame f) throws ProtocolException {
        PendingJob job = c.outstanding.peek();
        if (job == null || job.number != f.job()) {
            throw new ProtocolException("RESULT for job " + f.job() + " but the child runs " + (job == null ? "nothing" : job.number));
        }
        Map<String, Object> msg = Payloads.readObject(f);
        c.outstanding.poll();
        c.tasksDone++;
        c.hardDeadline = 0;
        if (msg.get("rss") instanceof Number rss) {
            c.rss = rss.longValue();
        }
        if (Boolean.TRUE.equals(msg.get("ok"))) {
            job.handle.succeed(msg.get("value"));
        } else if (UNKNOWN_TASK.equals(msg.get("type")) && c.generation < supervisor.generation()) {
            // A child from before the worker's tasks changed does not know a task the worker knows: never
            // fail it as unknown; run it on a newer child, and take no more work to this one.
            queue.addFirst(job);
            supervisor.retire(c, "task-set-changed");
        } else {
            job.handle.fail(remoteError(msg));
        }
        PendingJob next = c.outstanding.peek();
        if (next != null) {
            startRunning(c, next);
        }
        if (!c.retireWhenIdle && config.maxTasksPerChild() > 0 && c.tasksDone >= config.maxTasksPerChild()) {
            supervisor.retire(c, "max-tasks");
        } else if (!c.retireWhenIdle && config.maxMemoryPerChild() > 0 && c.rss > config.maxMemoryPerChild()) {
            supervisor.retire(c, "max-memory");
        }
        if (c.retireWhenIdle && c.outstanding.isEmpty()) {
            supervisor.shutdown(c);
        }
    }

    private static RuntimeException remoteError(Map<String, Object> msg) {
        String type = String.valueOf(msg.get("type"));
        String message = String.valueOf(msg.get("message"));
        if (type.equals(SoftTimeLimitExceededException.class.getName())) {
            return new SoftTimeLimitExceededException(message);
        }
        return new RemoteTaskException(type, message, String.valueOf(msg.getOrDefault("trace", "")));
    }

    /** Kills the children whose running task is past its hard time limit; the task fails at once. */
    void checkHardLimits(long now) {
        for (Child c : List.copyOf(supervisor.children())) {
            if (c.hardDeadline != 0 && now >= c.hardDeadline) {
                c.hardDeadline = 0;
                PendingJob job = c.outstanding.peek();
                if (job != null) {
                    killFor(c, job, new TimeLimitExceededException("task " + job.handle.request().name() + "[" + job.taskId()
                            + "] exceeded its hard time limit of " + job.hardLimit + "; " + c.describe() + " was killed"));
                }
            }
        }
    }

    private void killFor(Child c, PendingJob running, RuntimeException reason) {
        running.killReason = reason;
        running.handle.fail(reason);
        supervisor.kill(c, reason.getMessage());
    }

    /**
     * A child was lost: its running task fails (with the hub's reason if the hub killed it), what was sent
     * ahead and never started runs elsewhere. Returns the task that was running, or {@code null}.
     */
    PendingJob childLost(Child c, String why) {
        PendingJob running = c.outstanding.poll();
        if (running != null) {
            running.handle.fail(running.killReason != null ? running.killReason
                    : new WorkerLostException(why + " while running task " + running.handle.request().name()
                    + "[" + running.taskId() + "]"));
        }
        for (PendingJob notStarted; (notStarted = c.outstanding.pollLast()) != null; ) {
            queue.addFirst(notStarted);
        }
        return running;
    }

    /** Takes back every queued task (they fail here with TaskRequeuedException); returns their requests. */
    List<TaskRequest> drain() {
        List<TaskRequest> drained = new ArrayList<>();
        for (PendingJob j; (j = queue.poll()) != null; ) {
            if (j.handle.fail(new TaskRequeuedException("task " + j.taskId() + " was taken back from pool 'prefork'"))) {
                drained.add(j.handle.request());
            }
        }
        return drained;
    }

    /** Celery's terminate_job: a queued task is removed, a running one's child is killed. */
    boolean terminate(String taskId) {
        for (Iterator<PendingJob> it = queue.iterator(); it.hasNext(); ) {
            PendingJob j = it.next();
            if (j.taskId().equals(taskId)) {
                it.remove();
                return j.handle.fail(new TaskTerminatedException("task " + taskId + " was terminated before it started"));
            }
        }
        for (Child c : supervisor.children()) {
            PendingJob running = c.outstanding.peek();
            if (running != null && running.taskId().equals(taskId)) {
                killFor(c, running, new TaskTerminatedException("task " + taskId + " was terminated; " + c.describe() + " was killed"));
                return true;
            }
            for (PendingJob j : c.outstanding) {
                if (j.taskId().equals(taskId)) { // sent ahead, not started when the child last answered
                    c.toWrite.add(c.codec.encode(new Frame(Frame.CANCEL, j.number, new byte[0])));
                    return j.handle.fail(new TaskTerminatedException("task " + taskId + " was terminated before it started"));
                }
            }
        }
        return false;
    }

    /** Fails everything queued or sent with {@code error} (a hard stop). */
    void failAll(RuntimeException error) {
        for (PendingJob j; (j = queue.poll()) != null; ) {
            j.handle.fail(error);
        }
        for (Child c : supervisor.children()) {
            for (PendingJob j : c.outstanding) {
                j.handle.fail(error);
            }
            c.outstanding.clear();
        }
    }

    int running() {
        return (int) supervisor.children().stream().filter(c -> !c.outstanding.isEmpty()).count();
    }
}
