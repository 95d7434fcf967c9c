package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.WorkerLostException;
import org.celeriac.pool.prefork.protocol.Frame;
import org.celeriac.pool.prefork.protocol.Payloads;
import org.celeriac.pool.prefork.protocol.ProtocolException;

/**
 * The prefork pool's event loop, Celery's {@code AsynPool} on its hub: one thread owns a {@link Selector}
 * with the listening socket and every child's channel, and everything the {@link Supervisor} (children),
 * the {@link Scheduler} (tasks) and the {@link ChildChannels} (connections) hold. Nothing they own is touched
 * by another thread ({@link #assertInHub()}); other threads talk to the hub through its {@link Mailbox}.
 *
 * <p>It never blocks on a child: reads and writes are non-blocking, a child's unsent frames wait in its own
 * queue, processes are started on a separate spawner thread, and every wait has a deadline.
 *
 * <h2>Lifecycle</h2>
 * <pre>
 *   RUNNING --close()--> DRAINING --nothing queued or running--> RETIRING --every child gone, or 5 s--> STOPPED
 *      |                    |          (SHUTDOWN sent to each child)          (the loop ends; socket and
 *      |                    |                                                  directory removed; then
 *      |                    |                                                  {@link #stopped()} completes)
 *      |                    +--close(park) and every child up--> PARKED --{@value #PARK_MILLIS} ms--> RETIRING
 *      |                                                            |
 *      +<-------------------adopt() by the pool's next instance-----+
 *      +--------------------+-----------------terminate() or a failure of the loop---------------> STOPPED
 * </pre>
 * A lost child is replaced while RUNNING, DRAINING and PARKED, never later. A PARKED hub belongs to no pool:
 * its owner was {@link #released()} when it parked, and a later prefork instance with the same options may
 * adopt it with its children up (a hot-swap back to prefork starts no JVM).
 */
final class Hub {
    private static final System.Logger LOG = System.getLogger(Hub.class.getName());
    private static final long SHUTDOWN_GRACE = Duration.ofSeconds(5).toNanos();
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    /** How long a parked hub waits for a pool to adopt it before its children retire. */
    static final long PARK_MILLIS = 10_000;
    /** The longest a due timer waits for the loop to look at it. */
    private static final long TIMER_TICK = TimeUnit.MILLISECONDS.toNanos(1);

    enum Lifecycle { RUNNING, DRAINING, PARKED, RETIRING, STOPPED }

    /** Whom the hub tells of its children; the adopting pool's once adopted. Hub thread only. */
    private HubListener listener;
    private final HubSocket socket;
    private final Selector selector;
    private final Thread thread;
    private final Mailbox mailbox;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Completes when the current owner no longer has the hub: it parked or stopped. Replaced on adoption. */
    private volatile CompletableFuture<Void> released = new CompletableFuture<>();
    private final PoolConfig config;
    private final PreforkOptions options;
    private final Consumer<Hub> onParked;
    private volatile Lifecycle lifecycle = Lifecycle.RUNNING;

    // ---- owned by the hub thread --------------------------------------------------------------------------
    private final Supervisor supervisor;
    private final Scheduler scheduler;
    private final ChildChannels channels;
    private final UnavailableReport unavailable;
    private final HubSpin spin;
    /** When RETIRING must end even if children linger (System.nanoTime). */
    private long retireDeadline;
    /** When PARKED ends if no pool adopts the hub (System.nanoTime). */
    private long parkDeadline;
    /**
     * When the loop next looks at its timers (children's start and exit deadlines, the target's spawns, hard
     * time limits), and whether it skipped a look since (then it sleeps no later than that). A busy loop turns
     * tens of thousands of times a second, and the looks, which copy and stream over the children, were a
     * fifth of its time; no deadline here needs to be kept closer than {@link #TIMER_TICK}.
     */
    private long nextTimerCheck;
    private boolean timersDeferred;
    /** Set by close(true): park rather than retire once drained. */
    private boolean park;

    /** {@code onParked} is told (on the hub thread) when the hub parks, for a later pool to adopt it. */
    Hub(String name, HubListener listener, PoolConfig config, PreforkOptions options, ChildLauncher launcher,
        Consumer<Hub> onParked) throws IOException {
        this.listener = listener;
        this.onParked = onParked;
        this.config = config;
        this.options = options;
        this.socket = HubSocket.open();
        this.selector = Selector.open();
        socket.server().register(selector, SelectionKey.OP_ACCEPT);
        this.mailbox = new Mailbox(selector);
        this.thread = new Thread(this::loop, "celeriac-prefork-hub-" + name);
        this.thread.setDaemon(true);
        this.supervisor = new Supervisor(options, launcher, socket.path(), this::execute, this::childExited, name);
        this.unavailable = new UnavailableReport();
        // this.listener: the hub's owner when a child finds it, which an adoption changes.
        this.scheduler = new Scheduler(supervisor, config, options.prefetch(), found -> unavailable.found(found, this.listener));
        this.channels = new ChildChannels(socket.server(), options.maxFrameBytes(), supervisor.children(), this::onFrame, supervisor::kill);
        this.spin = new HubSpin(options.hubSpin().toNanos(), Runtime.getRuntime().availableProcessors());
    }

    // ---- any thread ---------------------------------------------------------------------------------------

    /** Starts the loop and {@code n} children; the future completes with the number up once all are (0 if the hub stops first). */
    CompletableFuture<Integer> start(int n) {
        CompletableFuture<Integer> up = new CompletableFuture<>();
        thread.start();
        execute(() -> supervisor.start(n, up));
        return up;
    }

    /** Queues a task; {@code false} if the hub has stopped (the caller refuses the task). */
    boolean submit(PendingJob job) {
        mailbox.post(job);
        return !(lifecycle == Lifecycle.STOPPED && mailbox.withdraw(job));
    }

    void execute(Runnable command) {
        mailbox.post(command);
    }

    /** Runs {@code f} on the hub and waits (bounded, diagnosed) for its answer. */
    <T> T call(Function<Hub, T> f) {
        if (lifecycle == Lifecycle.STOPPED || Thread.currentThread() == thread) {
            return f.apply(this); // the loop is gone (or we are it): nothing else touches the state now
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        execute(() -> {
            try {
                answer.complete(f.apply(this));
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        try {
            return answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw stuck("answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the prefork hub");
        }
    }

    /**
     * Completes once the loop has ended, its children are gone and its directory removed (on the hub thread:
     * never block in it). A pool that is TERMINATE before this point would let the process exit with the
     * directory still there (as 5 of 14 stopped workers did).
     */
    CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** Completes when the pool that owns the hub now no longer does: the hub parked or stopped. */
    CompletableFuture<Void> released() {
        return released;
    }

    /**
     * Graceful close: runs what is queued, then, if {@code park} and every child is up, parks (see the class
     * comment); otherwise tells every child to exit, then stops.
     */
    void close(boolean park) {
        execute(() -> {
            if (lifecycle == Lifecycle.RUNNING) {
                lifecycle = Lifecycle.DRAINING;
                this.park = park;
            }
        });
    }

    /**
     * A pool's new instance takes the parked hub: {@code null} if it is not parked (any more) or was started
     * with other options; otherwise the future that completes when this owner no longer has it. The children
     * are resized to {@code n}.
     */
    CompletableFuture<Void> adopt(HubListener owner, PoolConfig config, PreforkOptions options, int n) {
        return call(h -> {
            if (lifecycle != Lifecycle.PARKED || !options.equals(this.options)
                    || !config.withConcurrency(1).equals(this.config.withConcurrency(1))) {
                return null;
            }
            lifecycle = Lifecycle.RUNNING;
            park = false;
            listener = owner;
            unavailable.announceTo(owner);
            released = new CompletableFuture<>();
            supervisor.resize(n - supervisor.target());
            return released;
        });
    }

    /** Hard stop: everything queued or running fails with TaskTerminatedException, children are killed. Waits for the loop's end (bounded). */
    void terminate() {
        execute(() -> stop(new TaskTerminatedException("pool 'prefork' was terminated")));
        try {
            thread.join(ANSWER_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.log(Level.ERROR, "the prefork hub did not stop", stuck("stop"));
        }
    }

    private IllegalStateException stuck(String what) {
        IllegalStateException e = new IllegalStateException("the prefork hub did not " + what + " within " + ANSWER_TIMEOUT
                + " (" + lifecycle + "); where its thread is is attached");
        Throwable where = new Throwable(thread.getName() + " (" + thread.getState() + ")");
        where.setStackTrace(thread.getStackTrace());
        e.addSuppressed(where);
        return e;
    }

    // ---- the loop -----------------------------------------------------------------------------------------

    private void assertInHub() {
        assert Thread.currentThread() == thread : "hub state touched from " + Thread.currentThread().getName();
    }

    private void loop() {
        try {
            while (lifecycle != Lifecycle.STOPPED) {
                long idleSince = System.nanoTime();
                if (!mailbox.readyToSleep() || pollForWork(idleSince)) {
                    selector.selectNow();
                } else {
                    long now = System.nanoTime();
                    long next = Math.min(supervisor.nextDeadline(now), retireDeadline != 0 ? retireDeadline : Long.MAX_VALUE);
                    next = Math.min(next, lifecycle == Lifecycle.PARKED ? parkDeadline : Long.MAX_VALUE);
                    next = Math.min(next, timersDeferred ? nextTimerCheck : Long.MAX_VALUE);
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1));
                    spin.slept(System.nanoTime() - idleSince);
                }
                channels.process(selector);
                mailbox.runCommands();
                takeIncoming();
                long now = System.nanoTime();
                timersDeferred = now < nextTimerCheck;
                if (!timersDeferred) {
                    supervisor.checkDeadlines(now);
                    scheduler.checkHardLimits(now);
                    nextTimerCheck = now + TIMER_TICK;
                }
                scheduler.dispatch();
                checkClosing(now);
                channels.flushAll();
            }
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "the prefork hub failed; terminating the pool", t);
            stop(new WorkerLostException("the prefork hub failed: " + t));
        } finally {
            cleanup();
            released.complete(null);
            stopped.complete(null);
        }
    }

    /**
     * Before sleeping, looks for work for {@link HubSpin#window()}: a child's frame or a message. Returns
     * whether it found any; otherwise wake-ups are armed again and the hub may sleep.
     */
    private boolean pollForWork(long since) throws IOException {
        long window = spin.window();
        if (window == 0) {
            return false;
        }
        mailbox.polling();
        do {
            if (selector.selectNow() > 0 || mailbox.hasWork()) {
                spin.found();
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - since < window);
        return !mailbox.readyToSleep();
    }

    private void takeIncoming() {
        assertInHub();
        mailbox.takeTasks(scheduler::enqueue);
    }

    private void onFrame(Child c, Frame f) throws ProtocolException {
        switch (f.type()) {
            case Frame.WORKER_UP -> {
                // The event first: the pool's start returns once the last child is up (in supervisor.up).
                listener.childUp(c.pid, System.nanoTime() - c.spawnNanos);
                supervisor.up(c);
                if (c.generation == supervisor.generation()) { // an older child says nothing about the current task set
                    unavailable.childUp(Payloads.readObject(f), listener);
                }
            }
            case Frame.RESULT -> scheduler.result(c, f);
            default -> throw new ProtocolException("unexpected frame type " + f.type() + " from a child");
        }
    }

    /** A child's process ended: a retirement, or a loss that fails exactly its running task. */
    private void childExited(Child c) {
        if (!c.gone) {
            // The RESULTs it wrote before it ended settle their tasks; what it had not started then runs elsewhere.
            c.ended = true;
            channels.readRemaining(c);
        }
        Supervisor.Exit exit = supervisor.exited(c);
        if (exit == null) {
            return;
        }
        if (exit.retired()) {
            listener.childRetired(c.pid, exit.why());
        } else {
            PendingJob running = scheduler.childLost(c, exit.why());
            listener.childLost(c.pid, exit.why());
            supervisor.lost(exit, c, running == null ? null : running.taskId(), running != null && running.killReason != null);
        }
        supervisor.ensureTarget(System.nanoTime());
    }

    private void checkClosing(long now) {
        if (lifecycle == Lifecycle.DRAINING && mailbox.noTasks() && scheduler.idle()) {
            if (park && supervisor.allUp()) {
                lifecycle = Lifecycle.PARKED;
                parkDeadline = now + TimeUnit.MILLISECONDS.toNanos(PARK_MILLIS);
                released.complete(null);
                onParked.accept(this);
            } else {
                retire(now);
            }
        }
        if (lifecycle == Lifecycle.PARKED && now >= parkDeadline) {
            retire(now);
        }
        if (lifecycle == Lifecycle.RETIRING && (supervisor.children().isEmpty() || now >= retireDeadline)) {
            lifecycle = Lifecycle.STOPPED;
        }
    }

    private void retire(long now) {
        lifecycle = Lifecycle.RETIRING;
        retireDeadline = now + SHUTDOWN_GRACE;
        supervisor.shutdownAll();
    }

    /** Parked hub: its children retire now instead of waiting to be adopted. */
    void retireParked() {
        execute(() -> {
            if (lifecycle == Lifecycle.PARKED) {
                retire(System.nanoTime());
            }
        });
    }

    private void stop(RuntimeException error) {
        takeIncoming();
        scheduler.failAll(error);
        supervisor.killAll();
        lifecycle = Lifecycle.STOPPED;
    }

    private void cleanup() {
        lifecycle = Lifecycle.STOPPED;
        supervisor.killAll();
        // Tasks that slipped in after the loop ended never ran: fail them rather than leave them hanging.
        mailbox.takeTasks(j -> j.handle.fail(new TaskTerminatedException("pool 'prefork' stopped before task " + j.taskId()
                + " could run")));
        try {
            selector.close();
            socket.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove the prefork directory " + socket.dir() + ": " + e.getMessage());
        }
    }

    // ---- control (hub thread, through call/execute) -------------------------------------------------------

    List<TaskRequest> drain() {
        takeIncoming();
        return scheduler.drain();
    }

    boolean terminateJob(String taskId) {
        takeIncoming();
        return scheduler.terminate(taskId);
    }

    void resize(int delta) {
        supervisor.resize(delta);
    }

    void restart() {
        supervisor.restart();
    }

    /** The worker's task services changed: see {@link Supervisor#taskSetChanged()}. */
    void taskSetChanged() {
        assertInHub();
        if (lifecycle == Lifecycle.PARKED) {
            retire(System.nanoTime()); // its children would all roll over before a pool could use them
            return;
        }
        supervisor.taskSetChanged();
        unavailable.reset(listener);
    }

    int target() {
        return supervisor.target();
    }

    int upCount() {
        return supervisor.upCount();
    }

    /** Tasks that wait: queued here, or held by a child that has not started them (the autoscaler counts them). */
    PoolStats stats(PoolState state, long completed, long failed) {
        return new PoolStats("prefork", state, supervisor.target(), scheduler.running(),
                scheduler.queued() + mailbox.taskCount() + scheduler.held(), completed, failed, supervisor.workers(System.nanoTime()));
    }

    int held() {
        return scheduler.held();
    }
}
