package org.celeriac.pool.prefork.impl;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.UnknownTaskException;
import org.celeriac.pool.api.WorkerLostException;
import org.celeriac.pool.prefork.protocol.Frame;
import org.celeriac.pool.prefork.protocol.JobSlots;
import org.celeriac.pool.prefork.protocol.Payloads;
import org.celeriac.pool.prefork.protocol.ProtocolException;

/**
 * The tasks: the queue, which child runs what, results, hard time limits, terminate and drain. Hub thread
 * only. A child's sent tasks are its {@link Child#outstanding} queue, the running one first.
 *
 * <h2>Sending ahead, taking back</h2>
 * Fair scheduling (Celery's {@code -O fair}) keeps a task in the worker until a child is idle, so that it
 * never waits behind a busy child while another one could run it. But then every child idles for a round
 * trip through the worker after each task (on these machines 50–400 µs, mostly waking idle vCPUs): a ~1 ms
 * task ran at 0.76x the raw loop's speed at concurrency 1, and two children did not double one.
 *
 * <p>So a child holds up to {@code prefetch} tasks (16 by default), the running one included, and the
 * worker takes back a task a child has not started yet ({@link JobSlots}: one compare-and-set in memory
 * both share, no message): <ul>
 *   <li>for a child that falls idle: it gets the oldest task not started, queued or held by another child
 *       (a task then waits behind a busy child no longer than under fair scheduling: one message from the
 *       worker; and tasks start about in the order they came);</li>
 *   <li>from a child that is retiring, or lost;</li>
 *   <li>when it is terminated, or the pool is drained (a hot-swap hands it to the next pool).</li>
 * </ul>
 * {@code prefetch} 1 is the strict form: the next task is sent only once the child has answered.
 * A task the child has started is never taken back: it runs there, and is terminated by killing the child.
 * A child is sent no task beyond its {@code max-tasks-per-child}.
 */
final class Scheduler {
    private static final String UNKNOWN_TASK = UnknownTaskException.class.getName();

    private final Supervisor supervisor;
    private final PoolConfig config;
    /** The most tasks a child holds, the running one included ({@code prefetch}). */
    private final int limit;
    private final ArrayDeque<PendingJob> queue = new ArrayDeque<>();
    /** Told the tasks a child of the current task set found it cannot run when they came (task → reason). */
    private final Consumer<Map<?, ?>> unavailable;

    Scheduler(Supervisor supervisor, PoolConfig config, int prefetch, Consumer<Map<?, ?>> unavailable) {
        this.supervisor = supervisor;
        this.config = config;
        this.limit = prefetch;
        this.unavailable = unavailable;
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

    /**
     * Sends tasks to children that take work (the frames go out when the hub flushes): an idle child first,
     * and to it the oldest task not started, whether queued or held by another child; then the queue's
     * tasks to the least loaded children.
     */
    void dispatch() {
        for (Child c : supervisor.children()) {
            if ((c.retireWhenIdle || c.generation != supervisor.generation()) && c.outstanding.size() > 1) {
                // Run elsewhere what a leaving child, or one from before the worker's tasks changed (it may
                // run an old version of a task), has not started.
                takeBackNotStarted(c);
            }
        }
        for (;;) {
            Child c = pickChild();
            if (c == null) {
                return;
            }
            PendingJob job = c.outstanding.isEmpty() ? takeBackOlderThan(queue.peek()) : null;
            if (job == null) {
                job = queue.poll();
                if (job == null) {
                    return;
                }
            }
            if (!settledBeforeStart(job)) {
                send(c, job);
            }
        }
    }

    /** Settles a task that was terminated or expired while it waited; {@code true} if it was. */
    private static boolean settledBeforeStart(PendingJob job) {
        if (job.handle.isDone()) {
            return true; // terminated while it waited
        }
        TaskExpiredException expired = job.handle.expiredBeforeStart();
        if (expired != null) {
            job.handle.fail(expired); // revoked if not started in time: a child never runs it
            return true;
        }
        return false;
    }

    private void send(Child c, PendingJob job) {
        job.frameNumber = c.framesSent++;
        c.slots.sent(job.frameNumber, job.number);
        c.outstanding.add(job);
        if (c.outstanding.size() == 1) {
            startRunning(c, job);
        }
        c.toWrite.add(ByteBuffer.wrap(job.frame));
    }

    private Child pickChild() {
        Child best = null;
        for (Child c : supervisor.children()) {
            if (takesWork(c)) {
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

    private boolean takesWork(Child c) {
        // A child from before the worker's tasks changed may run an old version of a task: none of them gets
        // new work; the roll-over replaces them once the change has settled.
        return c.acceptsWork(limit) && c.generation == supervisor.generation()
                && (config.maxTasksPerChild() == 0 || c.tasksDone + c.outstanding.size() < config.maxTasksPerChild());
    }

    /**
     * For a child that is idle: takes back the oldest task another child holds and has not started, if it
     * is older than {@code queued} (the queue's head, or {@code null}); or {@code null}. Job numbers follow
     * submission, so tasks start about in the order they came, wherever they wait.
     */
    private PendingJob takeBackOlderThan(PendingJob queued) {
        Child from = null;
        PendingJob oldest = queued;
        for (Child c : supervisor.children()) {
            boolean running = true;
            for (PendingJob j : c.outstanding) {
                if (!running && (oldest == null || j.number < oldest.number)) {
                    oldest = j;
                    from = c;
                }
                running = false;
            }
        }
        if (from == null || !from.slots.takeBack(oldest.frameNumber, oldest.number)) {
            return null; // none, or it has just started: the queue's head (its RESULT will bring the hub back)
        }
        from.outstanding.remove(oldest);
        return oldest;
    }

    /** Puts back at the head of the queue, in order, what {@code c} holds and has not started (not its head). */
    private void takeBackNotStarted(Child c) {
        while (c.outstanding.size() > 1) {
            PendingJob last = c.outstanding.peekLast();
            if (!c.slots.takeBack(last.frameNumber, last.number)) {
                return; // started: so are those before it (a child starts them in order)
            }
            queue.addFirst(c.outstanding.pollLast());
        }
    }

    private static void startRunning(Child c, PendingJob job) {
        if (c.ended) {
            return; // a RESULT read after the child's end: it never got to the next task
        }
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
        c.framesRead = job.frameNumber + 1; // frames it skipped before this one were taken back
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
            if (msg.get("unavailable") instanceof Map<?, ?> found && c.generation == supervisor.generation()) {
                // First, so that whoever sees the failure sees the pool refuse the task's next ones too.
                unavailable.accept(found);
            }
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
        if (type.equals(TaskExpiredException.class.getName())) {
            return new TaskExpiredException(message); // revoked, as an expired task is on every pool
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
     * A child was lost (after the hub read what it wrote before it ended): its running task fails (with the
     * hub's reason if the hub killed it), what it had not started runs elsewhere. Returns the task that
     * failed, or {@code null}. The running task is the one the hub told the world had started (its handle
     * says STARTED, with this child as its worker): it fails even in the moment after it was sent, before
     * the child got to it, rather than run again elsewhere under a handle that named this child.
     */
    PendingJob childLost(Child c, String why) {
        PendingJob failed = null;
        for (PendingJob j; (j = c.outstanding.pollLast()) != null; ) {
            boolean announced = j.handle.state() == TaskState.STARTED;
            if (j.killReason == null && !announced && c.slots.takeBack(j.frameNumber, j.number)) {
                if (!j.handle.isDone()) {
                    queue.addFirst(j);
                }
                continue;
            }
            j.handle.fail(j.killReason != null ? j.killReason
                    : new WorkerLostException(why + " while running task " + j.handle.request().name() + "[" + j.taskId() + "]"));
            failed = j;
        }
        return failed;
    }

    /**
     * Takes back every task not started, queued or held by a child (they fail here with
     * TaskRequeuedException); returns their requests in the order they came.
     */
    List<TaskRequest> drain() {
        for (Child c : supervisor.children()) {
            takeBackNotStarted(c);
        }
        List<PendingJob> jobs = new ArrayList<>(queue);
        queue.clear();
        jobs.sort(Comparator.comparingLong(j -> j.number)); // in the order they came: held ones went to the front
        List<TaskRequest> drained = new ArrayList<>();
        for (PendingJob j : jobs) {
            if (j.handle.fail(new TaskRequeuedException("task " + j.taskId() + " was taken back from pool 'prefork'"))) {
                drained.add(j.handle.request());
            }
        }
        return drained;
    }

    /**
     * Celery's terminate_job: a task the child has not started is taken back (queued or sent), one it has
     * started has its child killed.
     */
    boolean terminate(String taskId) {
        for (Iterator<PendingJob> it = queue.iterator(); it.hasNext(); ) {
            PendingJob j = it.next();
            if (j.taskId().equals(taskId)) {
                it.remove();
                return j.handle.fail(notStarted(taskId));
            }
        }
        for (Child c : supervisor.children()) {
            for (PendingJob j : c.outstanding) {
                if (!j.taskId().equals(taskId)) {
                    continue;
                }
                if (!c.slots.takeBack(j.frameNumber, j.number)) {
                    killFor(c, j, new TaskTerminatedException("task " + taskId + " was terminated; " + c.describe() + " was killed"));
                    return true;
                }
                boolean wasRunning = j == c.outstanding.peek();
                c.outstanding.remove(j);
                if (wasRunning) {
                    c.hardDeadline = 0;
                    if (!c.outstanding.isEmpty()) {
                        startRunning(c, c.outstanding.peek());
                    }
                }
                return j.handle.fail(notStarted(taskId));
            }
        }
        return false;
    }

    private static TaskTerminatedException notStarted(String taskId) {
        return new TaskTerminatedException("task " + taskId + " was terminated before it started");
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

    /** Tasks children hold and have not started, as far as the hub knows (sent ahead of their running one). */
    int held() {
        int held = 0;
        for (Child c : supervisor.children()) {
            held += Math.max(0, c.outstanding.size() - 1);
        }
        return held;
    }

    int running() {
        return (int) supervisor.children().stream().filter(c -> !c.outstanding.isEmpty()).count();
    }
}
