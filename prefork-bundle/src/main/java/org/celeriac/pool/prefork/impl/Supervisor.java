package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.pool.prefork.protocol.Frame;
import org.celeriac.pool.prefork.protocol.JobSlots;

/**
 * The children: how many there should be, starting them, telling them to leave, noticing how they ended,
 * and backing off when they die young. Hub thread only, except the process starts, which run on a spawner
 * thread of their own and report back through the hub's mailbox.
 *
 * <p>It keeps {@code target} working children and {@code spare} warm spares. A missing working child is
 * replaced by promoting a spare (an UP one first), which takes work at once: a lost or recycled child's
 * replacement is then invisible to waiting tasks. Spares start only once every working child is up, so they
 * never slow the pool's own start.
 */
final class Supervisor {
    private static final System.Logger LOG = System.getLogger(Supervisor.class.getName());
    private static final long EOF_EXIT_GRACE = Duration.ofSeconds(2).toNanos();
    private static final long EARLY_DEATH = Duration.ofSeconds(2).toNanos();
    private static final Duration TASK_SET_SETTLE = Duration.ofMillis(300);

    /** How a child's process ended: a retirement as asked, or a loss with its description. */
    record Exit(boolean retired, String why) {
    }

    private final PreforkOptions options;
    private final ChildLauncher launcher;
    private final Path socket;
    private final Executor hub;
    private final Consumer<Child> onExit;
    private final ExecutorService spawner;
    private final SecureRandom random = new SecureRandom();
    private final List<Child> children = new ArrayList<>();
    private final List<CompletableFuture<Integer>> upWaiters = new ArrayList<>();
    private int target;
    private int nextIndex;
    private int earlyDeaths;
    private long nextSpawnNanos;
    /** False once the pool stops: lost children are no longer replaced. */
    private boolean replacing = true;
    /** Bumped when the worker's task services change; children of an older generation may lack a task. */
    private long generation;
    /** When to roll the children over to the changed task set (a burst of changes rolls them once), or 0. */
    private long rollOverAtNanos;

    /** {@code hub} runs a command on the hub thread; {@code onExit} is called there when a child's process ends. */
    Supervisor(PreforkOptions options, ChildLauncher launcher, Path socket, Executor hub, Consumer<Child> onExit, String name) {
        this.options = options;
        this.launcher = launcher;
        this.socket = socket;
        this.hub = hub;
        this.onExit = onExit;
        this.spawner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "celeriac-prefork-spawner-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    // ---- the children -------------------------------------------------------------------------------------

    /** Starts {@code n} children; the future completes with the number up once all are (0 if the pool stops first). */
    void start(int n, CompletableFuture<Integer> allUp) {
        target = n;
        upWaiters.add(allUp);
        ensureTarget(System.nanoTime());
    }

    List<Child> children() {
        return children;
    }

    int target() {
        return target;
    }

    long generation() {
        return generation;
    }

    /** Every working child is up, of the current task set and staying: a hub in this state may park. */
    boolean allUp() {
        List<Child> working = children.stream().filter(c -> !c.spare).toList();
        return !working.isEmpty() && working.stream()
                .allMatch(c -> c.state == Child.State.UP && !c.retireWhenIdle && c.generation == generation);
    }

    int upCount() {
        return (int) children.stream().filter(c -> c.state == Child.State.UP && !c.spare).count();
    }

    /** Children that take work or will: not retiring, not spare. */
    private long liveCount() {
        return children.stream().filter(c -> !c.retireWhenIdle && !c.spare).count();
    }

    /** Keeps {@code target} working children and the warm spares (see the class comment). */
    void ensureTarget(long now) {
        if (!replacing) {
            return;
        }
        while (liveCount() < target) {
            Child spare = children.stream().filter(c -> c.spare && !c.retireWhenIdle)
                    .min(Comparator.comparingInt((Child c) -> c.state == Child.State.UP ? 0 : 1)).orElse(null);
            if (spare != null) {
                spare.spare = false;
                continue;
            }
            if (now < nextSpawnNanos) {
                return;
            }
            spawn(false);
        }
        boolean allUp = children.stream().filter(c -> !c.spare && !c.retireWhenIdle).allMatch(c -> c.state == Child.State.UP);
        long spares = children.stream().filter(c -> c.spare && !c.retireWhenIdle).count();
        for (long i = spares; allUp && i < options.spareChildren() && now >= nextSpawnNanos; i++) {
            spawn(true);
        }
    }

    private void spawn(boolean spare) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        Child c = new Child(nextIndex++, HexFormat.of().formatHex(secret), spare);
        try {
            // Room for every task a child may hold, and as many more taken back before it read them.
            c.slots = JobSlots.create(socket.resolveSibling("slots-" + c.index), Math.max(64, 2 * options.prefetch()));
        } catch (IOException e) {
            spawnFailed(c, e);
            return;
        }
        c.generation = generation; // before its bundles are computed (on the spawner thread)
        children.add(c);
        spawner.execute(() -> {
            try {
                Process p = launcher.start(c, socket);
                hub.execute(() -> started(c, p));
            } catch (IOException | RuntimeException e) {
                hub.execute(() -> spawnFailed(c, e));
            }
        });
    }

    private void started(Child c, Process p) {
        c.process = p;
        c.pid = p.pid();
        if (c.gone) { // killed while it was being started (the pool stopping)
            p.destroyForcibly();
            return;
        }
        if (c.state == Child.State.SPAWNING) {
            c.state = Child.State.STARTING;
        }
        p.onExit().thenRun(() -> hub.execute(() -> onExit.accept(c)));
    }

    private void spawnFailed(Child c, Exception e) {
        LOG.log(Level.ERROR, "could not start a prefork child: " + e, e);
        c.gone = true;
        children.remove(c);
        deleteSlots(c);
        backOff(true);
    }

    private static void deleteSlots(Child c) {
        if (c.slots != null) {
            try {
                Files.deleteIfExists(c.slots.file()); // the mapping goes with the object; the directory goes with the pool
            } catch (IOException e) {
                LOG.log(Level.DEBUG, () -> "could not delete " + c.slots.file() + ": " + e);
            }
        }
    }

    /** The child said WORKER_UP: it takes work (or leaves, if it was retired meanwhile). */
    void up(Child c) {
        c.state = Child.State.UP;
        c.upNanos = System.nanoTime();
        LOG.log(Level.DEBUG, () -> c.describe() + " up in " + (c.upNanos - c.spawnNanos) / 1_000_000 + " ms");
        if (c.retireWhenIdle) {
            shutdown(c);
        }
        int up = upCount();
        if (up >= target) {
            upWaiters.forEach(w -> w.complete(up));
            upWaiters.clear();
        }
        ensureTarget(System.nanoTime()); // the last working child is up: time to start the spares
    }

    /**
     * Retires the child once its outstanding tasks are done: recycling ({@code max-tasks}, {@code max-memory}),
     * {@code shrink}, a rolling {@code restart}, a {@code task-set-changed}; {@code reason} says which.
     */
    void retire(Child c, String reason) {
        if (!c.retireWhenIdle) {
            c.retireReason = reason;
        }
        c.retireWhenIdle = true;
        if (c.outstanding.isEmpty() && c.state == Child.State.UP) {
            shutdown(c);
        }
        ensureTarget(System.nanoTime());
    }

    /** Asks the child to leave (SHUTDOWN); its exit then counts as a retirement. */
    void shutdown(Child c) {
        if (c.state == Child.State.RETIRING || c.channel == null) {
            return;
        }
        c.state = Child.State.RETIRING;
        c.toWrite.add(c.codec.encode(new Frame(Frame.SHUTDOWN, 0, new byte[0])));
    }

    /** Kills the child's process; what it ran is settled when the hub hears of its exit. */
    void kill(Child c, String why) {
        LOG.log(Level.DEBUG, () -> "killing " + c.describe() + ": " + why);
        if (c.process != null) {
            c.process.destroyForcibly();
        } else {
            c.gone = true;
            children.remove(c);
            deleteSlots(c);
        }
    }

    /**
     * The child's process ended: forgets it and says how; {@code null} if it was forgotten already. A loss is
     * then settled by the caller: its running task fails, the rest is requeued, and {@link #lost} is told.
     */
    Exit exited(Child c) {
        if (c.gone) {
            return null;
        }
        c.gone = true;
        children.remove(c);
        if (c.key != null) {
            ChildChannels.close(c.key);
        }
        deleteSlots(c);
        int code = c.process.exitValue();
        if (c.state == Child.State.RETIRING && code == 0 && c.outstanding.isEmpty()) {
            return new Exit(true, c.retireReason == null ? "retired" : c.retireReason);
        }
        return new Exit(false, c.describe() + " " + ExitStatus.describe(code, ExitStatus.exitedOrderly(socket, c.pid))
                + (c.rss > 0 ? ", last RSS " + c.rss / (1024 * 1024) + " MiB" : ""));
    }

    /**
     * After a loss: logs it and backs off if the child died young on its own (not killed by the hub for a
     * limit or a terminate); the hub then calls {@link #ensureTarget} as after every exit.
     */
    void lost(Exit exit, Child c, String failedTask, boolean killedByHub) {
        if (replacing) {
            LOG.log(killedByHub ? Level.INFO : Level.WARNING,
                    exit.why() + (failedTask == null ? "" : "; its task " + failedTask + " failed") + "; replacing it");
        }
        boolean early = c.upNanos == 0 || System.nanoTime() - c.upNanos < EARLY_DEATH;
        backOff(early && !killedByHub);
    }

    /** A child that dies young makes the next start wait, doubling up to 10 s, so a crash loop cannot spin. */
    private void backOff(boolean early) {
        earlyDeaths = early ? earlyDeaths + 1 : 0;
        long delay = earlyDeaths == 0 ? 0 : Math.min(TimeUnit.MILLISECONDS.toNanos(100L << Math.min(earlyDeaths - 1, 7)),
                TimeUnit.SECONDS.toNanos(10));
        nextSpawnNanos = System.nanoTime() + delay;
        if (delay > 0) {
            LOG.log(Level.WARNING, "prefork children die young (" + earlyDeaths + " in a row); next start in "
                    + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        }
    }

    // ---- time ---------------------------------------------------------------------------------------------

    /** The next moment something here is due (a start-up or hard-limit deadline, a delayed start, a roll-over). */
    long nextDeadline(long now) {
        long next = rollOverAtNanos != 0 ? rollOverAtNanos : Long.MAX_VALUE;
        for (Child c : children) {
            if (c.state != Child.State.UP && c.state != Child.State.RETIRING) {
                next = Math.min(next, c.spawnNanos + options.procAliveTimeout().toNanos());
            }
            if (c.hardDeadline != 0) {
                next = Math.min(next, c.hardDeadline);
            }
        }
        if (nextSpawnNanos > now && liveCount() < target) {
            next = Math.min(next, nextSpawnNanos);
        }
        return Math.min(next, now + EOF_EXIT_GRACE / 2); // children's EOF grace is checked at least this often
    }

    /** Kills children that did not come up in time or closed their connection without exiting; rolls over a changed task set. */
    void checkDeadlines(long now) {
        if (rollOverAtNanos != 0 && now >= rollOverAtNanos && replacing) {
            rollOverAtNanos = 0;
            retireAll("task-set-changed");
        }
        for (Child c : List.copyOf(children)) {
            if (c.gone || c.process == null) {
                continue;
            }
            if (c.state.compareTo(Child.State.UP) < 0 && now - c.spawnNanos > options.procAliveTimeout().toNanos()) {
                LOG.log(Level.WARNING, c.describe() + " did not send WORKER_UP within " + options.procAliveTimeout() + "; killing it");
                c.process.destroyForcibly();
            }
            if (c.eofNanos != 0 && now - c.eofNanos > EOF_EXIT_GRACE && c.process.isAlive()) {
                kill(c, "closed its connection but did not exit");
            }
        }
        ensureTarget(now);
    }

    // ---- control ------------------------------------------------------------------------------------------

    void resize(int delta) {
        target += delta;
        if (delta < 0) {
            List<Child> candidates = new ArrayList<>(children.stream().filter(c -> !c.retireWhenIdle && !c.spare).toList());
            candidates.sort(Comparator.comparingInt((Child c) -> c.state == Child.State.UP ? 1 : 0)
                    .thenComparingInt(c -> c.outstanding.size()));
            for (int i = 0; i < -delta && i < candidates.size(); i++) {
                retire(candidates.get(i), "shrink");
            }
        }
        ensureTarget(System.nanoTime());
    }

    /**
     * The worker's task services changed (a task bundle installed, updated, stopped): children started from
     * now on get the new task set; the older ones take no new work (they may run an old version of a task)
     * and are rolled over shortly, once a burst of changes (a bundle registers its tasks one by one) has
     * settled; tasks wait meanwhile.
     */
    void taskSetChanged() {
        generation++;
        rollOverAtNanos = System.nanoTime() + TASK_SET_SETTLE.toNanos();
    }

    /** Rolling restart: every child finishes its task and leaves; fresh ones take its place as it goes. */
    void restart() {
        retireAll("restart");
    }

    private void retireAll(String reason) {
        for (Child c : List.copyOf(children)) {
            retire(c, reason);
        }
        ensureTarget(System.nanoTime());
    }

    /** The pool stops: no more replacements; a child that is not connected yet is killed, the others told to leave. */
    void shutdownAll() {
        replacing = false;
        for (Child c : List.copyOf(children)) {
            if (c.channel != null) {
                // Retired, not lost, when it exits: also a child whose WORKER_UP crosses the SHUTDOWN frame
                // (up() would otherwise mark it UP again, and its orderly exit would count as a loss).
                retire(c, "pool-stopped");
                shutdown(c);
            } else {
                kill(c, "pool stopping");
            }
        }
    }

    /** The end: every child killed, no more starts, waiters told how many came up (none). */
    void killAll() {
        replacing = false;
        for (Child c : children) {
            if (c.process != null) {
                c.process.destroyForcibly();
            }
        }
        spawner.shutdownNow();
        upWaiters.forEach(w -> w.complete(0));
        upWaiters.clear();
    }

    List<WorkerInfo> workers(long now) {
        List<WorkerInfo> workers = new ArrayList<>();
        for (Child c : children) {
            PendingJob running = c.outstanding.peek();
            // A spare is told apart from its spawn: it takes no task until it is promoted.
            String s = c.retireWhenIdle ? "retiring" : c.spare ? (c.state == Child.State.UP ? "spare" : "spare-starting")
                    : c.state != Child.State.UP ? "starting" : running == null ? "idle" : "busy";
            workers.add(new WorkerInfo(c.pid > 0 ? Long.toString(c.pid) : "child-" + c.index, s,
                    running == null ? null : running.taskId(), c.tasksDone, c.rss, Duration.ofNanos(now - c.spawnNanos)));
        }
        return workers;
    }
}
