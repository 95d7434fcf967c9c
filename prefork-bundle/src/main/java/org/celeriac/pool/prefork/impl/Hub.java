package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolEvents;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.pool.api.WorkerLostException;
import org.celeriac.pool.prefork.protocol.Frame;
import org.celeriac.pool.prefork.protocol.FrameCodec;
import org.celeriac.pool.prefork.child.ChildMain;
import org.celeriac.pool.prefork.protocol.Json;
import org.celeriac.pool.prefork.protocol.ProtocolException;

/**
 * The prefork pool's event loop, Celery's {@code AsynPool} on its hub: one thread owns a {@link Selector}
 * with the listening socket and every child's channel, the task queue and all child state. Nothing it owns
 * is touched by another thread ({@link #assertInHub()}); other threads talk to it through {@link #incoming}
 * (tasks) and {@link #inbox} (commands), and wake it only when it may be sleeping (Netty's {@code wakenUp}).
 *
 * <p>It never blocks on a child: reads and writes are non-blocking, a child's unsent frames wait in its own
 * queue, processes are started on a separate spawner thread, and every wait has a deadline (a child's time to
 * come up, a task's hard limit, a dying child's exit, the final shutdown).
 */
final class Hub {
    private static final System.Logger LOG = System.getLogger(Hub.class.getName());
    private static final long EOF_EXIT_GRACE = Duration.ofSeconds(2).toNanos();
    private static final long SHUTDOWN_GRACE = Duration.ofSeconds(5).toNanos();
    private static final long EARLY_DEATH = Duration.ofSeconds(2).toNanos();
    private static final Duration TASK_SET_SETTLE = Duration.ofMillis(300);
    private static final String UNKNOWN_TASK = org.celeriac.pool.api.UnknownTaskException.class.getName();

    private final PreforkPool pool;
    private final PoolConfig config;
    private final PreforkOptions options;
    private final ChildLauncher launcher;
    /** What the last child of the current task set reported it cannot run, to warn once per change. Hub thread only. */
    private Map<String, Object> lastReport = Map.of();
    /** Bumped when the worker's task services change; children of an older generation may lack a task. Hub thread only. */
    private long taskSetGeneration;
    /** When to roll the children over to the changed task set (a burst of changes rolls them once). Hub thread only. */
    private long restartAtNanos;
    private final Path dir;
    private final Path socket;
    private final Selector selector;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final ExecutorService spawner;
    private final ConcurrentLinkedQueue<PendingJob> incoming = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakenUp = new AtomicBoolean();
    private final SecureRandom random = new SecureRandom();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
    /** Names of the threads that ever read a child channel: the hub's alone, by design (checked by tests). */
    final Set<String> readerThreads = ConcurrentHashMap.newKeySet();
    private final List<Long> spawnToUpNanos = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean stopped;

    // ---- owned by the hub thread --------------------------------------------------------------------------
    private final ArrayDeque<PendingJob> queue = new ArrayDeque<>();
    private final List<Child> children = new ArrayList<>();
    private final List<CompletableFuture<Integer>> upWaiters = new ArrayList<>();
    private int target;
    private int nextIndex;
    private int earlyDeaths;
    private long nextSpawnNanos;
    private boolean closing;
    private boolean shutdownSent;
    private long closeDeadline;

    /** A connection that has not proven its secret yet. */
    private record Unmatched(FrameCodec codec) {
    }

    Hub(PreforkPool pool, PoolConfig config, PreforkOptions options, ChildLauncher launcher) throws IOException {
        this.pool = pool;
        this.config = config;
        this.options = options;
        this.launcher = launcher;
        // Private to this user: a 0700 directory holds the socket; each child must also prove its own secret.
        this.dir = Files.createTempDirectory("celeriac-prefork-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        this.socket = dir.resolve("hub.sock");
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this::loop, "celeriac-prefork-hub-" + pool.instanceName());
        this.thread.setDaemon(true);
        this.spawner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "celeriac-prefork-spawner-" + pool.instanceName());
            t.setDaemon(true);
            return t;
        });
    }

    // ---- any thread ---------------------------------------------------------------------------------------

    /** Starts the loop and {@code n} children; the future completes with the number up once all are (or never). */
    CompletableFuture<Integer> start(int n) {
        CompletableFuture<Integer> up = new CompletableFuture<>();
        thread.start();
        execute(() -> {
            target = n;
            upWaiters.add(up);
            ensureTarget(System.nanoTime());
        });
        return up;
    }

    int upCount() {
        return call(h -> (int) h.children.stream().filter(c -> c.state == Child.State.UP && !c.spare).count());
    }

    /** Queues a task; {@code false} if the hub has stopped (the caller refuses the task). */
    boolean submit(PendingJob job) {
        incoming.add(job);
        wake();
        if (stopped && incoming.remove(job)) {
            return false;
        }
        return true;
    }

    void execute(Runnable command) {
        inbox.add(command);
        wake();
    }

    /** Runs {@code f} on the hub and waits (bounded) for its answer. */
    <T> T call(Function<Hub, T> f) {
        if (stopped || Thread.currentThread() == thread) {
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
            return answer.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the prefork hub did not answer within 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the prefork hub");
        }
    }

    private void wake() {
        if (wakenUp.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    List<Long> spawnToUpNanos() {
        return List.copyOf(spawnToUpNanos);
    }

    void awaitStopped(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
    }

    // ---- the loop -----------------------------------------------------------------------------------------

    private void assertInHub() {
        assert Thread.currentThread() == thread : "hub state touched from " + Thread.currentThread().getName();
    }

    private void loop() {
        try {
            while (!stopped) {
                wakenUp.set(false);
                if (!incoming.isEmpty() || !inbox.isEmpty()) {
                    selector.selectNow();
                } else {
                    selector.select(timeoutMillis(System.nanoTime()));
                }
                processKeys();
                for (Runnable r; (r = inbox.poll()) != null; ) {
                    r.run();
                }
                for (PendingJob j; (j = incoming.poll()) != null; ) {
                    queue.add(j);
                }
                long now = System.nanoTime();
                if (restartAtNanos != 0 && now >= restartAtNanos && !closing) {
                    restartAtNanos = 0;
                    restart();
                }
                checkDeadlines(now);
                dispatch();
                flushAll();
                checkClosing(now);
            }
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "the prefork hub failed; terminating the pool", t);
            failEverything(new WorkerLostException("the prefork hub failed: " + t));
        } finally {
            cleanup();
        }
    }

    private long timeoutMillis(long now) {
        long next = restartAtNanos != 0 ? restartAtNanos : Long.MAX_VALUE;
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
        if (closeDeadline != 0) {
            next = Math.min(next, closeDeadline);
        }
        next = Math.min(next, now + TimeUnit.SECONDS.toNanos(1)); // children's EOF grace is checked every second
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
    }

    private void processKeys() throws IOException {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (!key.isValid()) {
                continue;
            }
            if (key.isAcceptable()) {
                SocketChannel ch = server.accept();
                if (ch != null) {
                    ch.configureBlocking(false);
                    ch.register(selector, SelectionKey.OP_READ, new Unmatched(new FrameCodec(options.maxFrameBytes())));
                }
                continue;
            }
            if (key.isWritable() && key.attachment() instanceof Child c) {
                flush(c);
            }
            if (key.isValid() && key.isReadable()) {
                read(key);
            }
        }
    }

    private void read(SelectionKey key) {
        assertInHub();
        readerThreads.add(Thread.currentThread().getName());
        SocketChannel ch = (SocketChannel) key.channel();
        Object who = key.attachment();
        FrameCodec codec = who instanceof Child c ? c.codec : ((Unmatched) who).codec();
        try {
            int n;
            while ((n = ch.read(readBuffer)) > 0) {
                readBuffer.flip();
                codec.feed(readBuffer);
                readBuffer.clear();
                for (Frame f; (f = codec.next()) != null; ) {
                    if (key.attachment() instanceof Child c) {
                        onFrame(c, f);
                    } else if (!hello(key, ch, codec, f)) {
                        return;
                    }
                }
            }
            if (n < 0) {
                endOfStream(key, "closed its connection");
            }
        } catch (ProtocolException e) {
            if (key.attachment() instanceof Child c) {
                kill(c, "sent a malformed frame: " + e.getMessage());
            } else {
                close(key);
            }
        } catch (IOException e) {
            endOfStream(key, "connection failed: " + e.getMessage());
        }
    }

    private boolean hello(SelectionKey key, SocketChannel ch, FrameCodec codec, Frame f) throws ProtocolException {
        if (f.type() != Frame.HELLO) {
            LOG.log(Level.WARNING, "rejected a connection that did not start with HELLO");
            close(key);
            return false;
        }
        Map<String, Object> hello = Json.readObject(f);
        Object index = hello.get("index");
        String secret = String.valueOf(hello.get("secret"));
        for (Child c : children) {
            if (index instanceof Number i && c.index == i.intValue() && c.channel == null && !c.gone
                    && MessageDigest.isEqual(c.secret.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8))) {
                c.channel = ch;
                c.codec = codec;
                c.key = key;
                c.state = Child.State.CONNECTED;
                key.attach(c);
                return true;
            }
        }
        LOG.log(Level.WARNING, "rejected a connection to the prefork socket: wrong child secret");
        close(key);
        return false;
    }

    private void onFrame(Child c, Frame f) throws ProtocolException {
        switch (f.type()) {
            case Frame.WORKER_UP -> {
                up(c);
                reportUnavailable(c, Json.readObject(f));
            }
            case Frame.RESULT -> result(c, f);
            default -> throw new ProtocolException("unexpected frame type " + f.type() + " from a child");
        }
    }

    /**
     * The worker's tasks a child cannot run: task components SCR could not activate there (a reference only
     * the worker's process can satisfy, a configuration it lacks), and tasks whose bundle did not even start
     * in the child. One WARNING when the set changes, not one per child start; the pool refuses such a task
     * at once with the reason instead of sending it to a child.
     */
    private void reportUnavailable(Child c, Map<String, Object> up) {
        assertInHub();
        if (c.generation != taskSetGeneration) {
            return; // a child from before the last change of the task set says nothing about the current one
        }
        Map<String, String> unavailable = new java.util.TreeMap<>();
        if (up.get("unavailable") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unavailable.put(String.valueOf(k), String.valueOf(v)));
        }
        List<?> warnings = up.get("warnings") instanceof List<?> w ? w : List.of();
        Object childTasks = up.get("tasks");
        for (String name : pool.workerTaskNames()) {
            if (childTasks instanceof List<?> known && !known.contains(name) && !unavailable.containsKey(name)) {
                unavailable.put(name, "its bundle could not be resolved or started in a child (it needs a package or"
                        + " service only the worker's own bundles provide)");
            }
        }
        pool.unavailableInChildren(unavailable);
        Map<String, Object> report = Map.of("unavailable", unavailable, "warnings", warnings);
        if (!report.equals(lastReport) && (!unavailable.isEmpty() || !warnings.isEmpty())) {
            StringBuilder why = new StringBuilder();
            unavailable.forEach((task, reason) -> why.append(why.length() == 0 ? "" : "; ").append(task).append(": ").append(reason));
            LOG.log(Level.WARNING, (unavailable.isEmpty() ? "prefork children" : "task(s) " + unavailable.keySet()
                    + " cannot run in prefork children (other pools run them): " + why)
                    + (warnings.isEmpty() ? "" : "; the child said: " + warnings));
        }
        lastReport = report;
    }

    private void up(Child c) {
        c.state = Child.State.UP;
        c.upNanos = System.nanoTime();
        spawnToUpNanos.add(c.upNanos - c.spawnNanos);
        LOG.log(Level.DEBUG, () -> c.describe() + " up in " + (c.upNanos - c.spawnNanos) / 1_000_000 + " ms");
        pool.publishEvent(PoolEvents.TOPIC_WORKER_UP, Map.of(PoolEvents.WORKER, Long.toString(c.pid)));
        if (c.retireWhenIdle) {
            shutdown(c);
        }
        int up = (int) children.stream().filter(x -> x.state == Child.State.UP && !x.spare).count();
        if (up >= target) {
            upWaiters.forEach(w -> w.complete(up));
            upWaiters.clear();
        }
        ensureTarget(System.nanoTime()); // the last working child is up: time to start the spares
    }

    private void result(Child c, Frame f) throws ProtocolException {
        PendingJob job = c.outstanding.peek();
        if (job == null || job.number != f.job()) {
            throw new ProtocolException("RESULT for job " + f.job() + " but the child runs " + (job == null ? "nothing" : job.number));
        }
        Map<String, Object> msg = Json.readObject(f);
        c.outstanding.poll();
        c.tasksDone++;
        if (msg.get("rss") instanceof Number rss) {
            c.rss = rss.longValue();
        }
        if (Boolean.TRUE.equals(msg.get("ok"))) {
            job.handle.succeed(msg.get("value"));
        } else if (UNKNOWN_TASK.equals(msg.get("type")) && c.generation < taskSetGeneration) {
            // A child from before the worker's tasks changed does not know a task the worker knows: never
            // fail it as unknown; run it on a newer child, and take no more work to this one.
            queue.addFirst(job);
            retire(c);
            ensureTarget(System.nanoTime());
        } else {
            job.handle.fail(remoteError(msg));
        }
        c.hardDeadline = 0;
        PendingJob next = c.outstanding.peek();
        if (next != null) {
            startRunning(c, next);
        }
        if (!c.retireWhenIdle && (config.maxTasksPerChild() > 0 && c.tasksDone >= config.maxTasksPerChild()
                || config.maxMemoryPerChild() > 0 && c.rss > config.maxMemoryPerChild())) {
            LOG.log(Level.DEBUG, () -> "recycling " + c.describe() + " after " + c.tasksDone + " tasks, rss " + c.rss);
            retire(c);
            ensureTarget(System.nanoTime());
        }
        if (c.retireWhenIdle && c.outstanding.isEmpty()) {
            shutdown(c);
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

    private void startRunning(Child c, PendingJob job) {
        c.hardDeadline = job.hardLimit == null ? 0 : System.nanoTime() + job.hardLimit.toNanos();
        job.handle.markStarted(Long.toString(c.pid));
    }

    private void endOfStream(SelectionKey key, String why) {
        if (key.attachment() instanceof Child c) {
            close(key);
            c.channel = null;
            c.eofNanos = System.nanoTime();
            LOG.log(Level.DEBUG, () -> c.describe() + " " + why);
        } else {
            close(key);
        }
    }

    private static void close(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    // ---- dispatch -----------------------------------------------------------------------------------------

    private void dispatch() {
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

    /** An idle child first (fair scheduling); with prefetch above 1, else the least loaded one. */
    private Child pickChild() {
        Child best = null;
        for (Child c : children) {
            // A child from before the worker's tasks changed may run an old version of a task: none of them
            // gets new work; the roll-over replaces them once the change has settled.
            if (c.acceptsWork(options.prefetch()) && c.generation == taskSetGeneration) {
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

    private void flushAll() {
        for (Child c : children) {
            if (!c.toWrite.isEmpty()) {
                flush(c);
            }
        }
    }

    /** Writes what the child's channel takes now (several frames in one gathering write); the rest waits for OP_WRITE. */
    private void flush(Child c) {
        if (c.channel == null) {
            return;
        }
        try {
            ByteBuffer[] bufs = c.toWrite.toArray(ByteBuffer[]::new);
            c.channel.write(bufs);
            while (!c.toWrite.isEmpty() && !c.toWrite.peek().hasRemaining()) {
                c.toWrite.poll();
            }
            c.key.interestOps(c.toWrite.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } catch (IOException e) {
            endOfStream(c.key, "write failed: " + e.getMessage());
        }
    }

    // ---- children -----------------------------------------------------------------------------------------

    /** Children that take work or will: not retiring, not spare. */
    private long liveCount() {
        return children.stream().filter(c -> !c.retireWhenIdle && !c.spare).count();
    }

    /**
     * Keeps {@code target} working children and {@code spare.children} warm spares. A missing working child
     * is replaced by promoting a spare (an UP one first), which takes work at once: a lost or recycled
     * child's replacement is then invisible to waiting tasks. Spares are started only once every working
     * child is up, so they never slow the pool's own start.
     */
    private void ensureTarget(long now) {
        if (closing || stopped) {
            return;
        }
        while (liveCount() < target) {
            Child spare = children.stream().filter(c -> c.spare && !c.retireWhenIdle)
                    .min(java.util.Comparator.comparingInt((Child c) -> c.state == Child.State.UP ? 0 : 1)).orElse(null);
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
        c.generation = taskSetGeneration; // before its bundles are computed (on the spawner thread)
        children.add(c);
        spawner.execute(() -> {
            try {
                Process p = launcher.start(c, socket);
                execute(() -> started(c, p));
            } catch (IOException | RuntimeException e) {
                execute(() -> spawnFailed(c, e));
            }
        });
    }

    private void started(Child c, Process p) {
        c.process = p;
        c.pid = p.pid();
        if (c.gone || stopped) {
            p.destroyForcibly();
            return;
        }
        if (c.state == Child.State.SPAWNING) {
            c.state = Child.State.STARTING;
        }
        p.onExit().thenRun(() -> execute(() -> exited(c)));
    }

    private void spawnFailed(Child c, Exception e) {
        LOG.log(Level.ERROR, "could not start a prefork child: " + e, e);
        c.gone = true;
        children.remove(c);
        backOff(true);
    }

    private void retire(Child c) {
        c.retireWhenIdle = true;
        if (c.outstanding.isEmpty() && c.state == Child.State.UP) {
            shutdown(c);
        }
    }

    private void shutdown(Child c) {
        if (c.state == Child.State.RETIRING || c.channel == null) {
            return;
        }
        c.state = Child.State.RETIRING;
        c.toWrite.add(c.codec.encode(new Frame(Frame.SHUTDOWN, 0, new byte[0])));
        flush(c);
    }

    /** The child's process ended: a retirement, or a loss that fails exactly its running task. */
    private void exited(Child c) {
        if (c.gone) {
            return;
        }
        c.gone = true;
        children.remove(c);
        if (c.key != null) {
            close(c.key);
        }
        int code = c.process.exitValue();
        long now = System.nanoTime();
        boolean retired = c.state == Child.State.RETIRING && code == 0 && c.outstanding.isEmpty();
        if (retired) {
            pool.publishEvent(PoolEvents.TOPIC_WORKER_RETIRED, Map.of(PoolEvents.WORKER, Long.toString(c.pid)));
        } else {
            String why = c.describe() + " " + exitDescription(code, exitedOrderly(c)) + (c.rss > 0 ? ", last RSS " + c.rss / (1024 * 1024) + " MiB" : "");
            PendingJob running = c.outstanding.poll();
            if (running != null) {
                running.handle.fail(running.killReason != null ? running.killReason
                        : new WorkerLostException(why + " while running task " + running.handle.request().name()
                        + "[" + running.taskId() + "]"));
            }
            for (PendingJob notStarted; (notStarted = c.outstanding.pollLast()) != null; ) {
                queue.addFirst(notStarted); // sent ahead (prefetch) but never started: run elsewhere
            }
            if (!closing) {
                LOG.log(running != null && running.killReason != null ? Level.INFO : Level.WARNING,
                        why + (running == null ? "" : "; its task " + running.taskId() + " failed") + "; replacing it");
            }
            pool.publishEvent(PoolEvents.TOPIC_WORKER_LOST, Map.of(PoolEvents.WORKER, Long.toString(c.pid), PoolEvents.ERROR, why));
            boolean early = c.upNanos == 0 || now - c.upNanos < EARLY_DEATH;
            backOff(early && (running == null || running.killReason == null));
        }
        ensureTarget(now);
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

    /**
     * Whether the child left through {@code System.exit} (or by returning from main): its shutdown hook marks
     * that in the hub's directory ({@link ChildMain#exitMark}); {@code -XX:+ExitOnOutOfMemoryError} and signals
     * run no hooks. Reads and removes the mark.
     */
    private boolean exitedOrderly(Child c) {
        try {
            return Files.deleteIfExists(ChildMain.exitMark(socket, c.pid));
        } catch (IOException e) {
            return false;
        }
    }

    /** Why a child's process ended: exit code 3 is an OutOfMemoryError only if the child did not call System.exit(3). */
    static String exitDescription(int code, boolean orderly) {
        if (orderly && code <= 128) { // a JVM stopped by SIGTERM runs its hooks too, and exits with 143
            return "exited with code " + code + " (System.exit in a task, or its main returned)";
        }
        if (code == 3) {
            return "ran out of memory (exit code 3 from -XX:+ExitOnOutOfMemoryError; raise option child.heap)";
        }
        if (code > 128) {
            int signal = code - 128;
            String name = switch (signal) {
                case 9 -> "SIGKILL";
                case 15 -> "SIGTERM";
                case 11 -> "SIGSEGV";
                case 6 -> "SIGABRT";
                case 2 -> "SIGINT";
                default -> "signal " + signal;
            };
            return "was killed by signal " + signal + " (" + name + ")";
        }
        return "exited with code " + code;
    }

    /** Kills a child; its running task fails with {@code reason} at once (hard limit, terminate) or when it exits. */
    private void kill(Child c, String why) {
        LOG.log(Level.DEBUG, () -> "killing " + c.describe() + ": " + why);
        if (c.process != null) {
            c.process.destroyForcibly();
        } else {
            c.gone = true;
            children.remove(c);
        }
    }

    private void checkDeadlines(long now) {
        for (Child c : List.copyOf(children)) {
            if (c.gone) {
                continue;
            }
            if ((c.state == Child.State.SPAWNING || c.state == Child.State.STARTING || c.state == Child.State.CONNECTED)
                    && now - c.spawnNanos > options.procAliveTimeout().toNanos() && c.process != null) {
                LOG.log(Level.WARNING, c.describe() + " did not send WORKER_UP within " + options.procAliveTimeout() + "; killing it");
                c.process.destroyForcibly();
            }
            if (c.hardDeadline != 0 && now >= c.hardDeadline) {
                PendingJob job = c.outstanding.peek();
                c.hardDeadline = 0;
                if (job != null) {
                    job.killReason = new TimeLimitExceededException("task " + job.handle.request().name() + "[" + job.taskId()
                            + "] exceeded its hard time limit of " + job.hardLimit + "; " + c.describe() + " was killed");
                    job.handle.fail(job.killReason);
                    kill(c, "hard time limit");
                }
            }
            if (c.eofNanos != 0 && now - c.eofNanos > EOF_EXIT_GRACE && c.process != null && c.process.isAlive()) {
                kill(c, "closed its connection but did not exit");
            }
        }
        ensureTarget(now);
    }

    // ---- control (hub thread) -----------------------------------------------------------------------------

    List<TaskRequest> drain() {
        assertInHub();
        for (PendingJob j; (j = incoming.poll()) != null; ) {
            queue.add(j);
        }
        List<TaskRequest> drained = new ArrayList<>();
        for (PendingJob j; (j = queue.poll()) != null; ) {
            if (j.handle.fail(new TaskRequeuedException("task " + j.taskId() + " was taken back from pool 'prefork'"))) {
                drained.add(j.handle.request());
            }
        }
        return drained;
    }

    boolean terminateJob(String taskId) {
        assertInHub();
        for (PendingJob j; (j = incoming.poll()) != null; ) {
            queue.add(j);
        }
        for (Iterator<PendingJob> it = queue.iterator(); it.hasNext(); ) {
            PendingJob j = it.next();
            if (j.taskId().equals(taskId)) {
                it.remove();
                return j.handle.fail(new TaskTerminatedException("task " + taskId + " was terminated before it started"));
            }
        }
        for (Child c : children) {
            PendingJob running = c.outstanding.peek();
            if (running != null && running.taskId().equals(taskId)) {
                running.killReason = new TaskTerminatedException("task " + taskId + " was terminated; " + c.describe() + " was killed");
                running.handle.fail(running.killReason);
                kill(c, "terminate " + taskId);
                return true;
            }
            for (PendingJob j : c.outstanding) {
                if (j.taskId().equals(taskId)) { // prefetched, not started: its result will be ignored
                    return j.handle.fail(new TaskTerminatedException("task " + taskId + " was terminated before it started"));
                }
            }
        }
        return false;
    }

    void resize(int delta) {
        assertInHub();
        target += delta;
        if (delta < 0) {
            List<Child> candidates = new ArrayList<>(children.stream().filter(c -> !c.retireWhenIdle && !c.spare).toList());
            candidates.sort(java.util.Comparator.comparingInt((Child c) -> c.state == Child.State.UP ? 1 : 0)
                    .thenComparingInt(c -> c.outstanding.size()));
            for (int i = 0; i < -delta && i < candidates.size(); i++) {
                retire(candidates.get(i));
            }
        }
        ensureTarget(System.nanoTime());
    }

    /**
     * The worker's task services changed (a task bundle installed, updated, stopped): children started from
     * now on get the new task set; the older ones take no new work (they may run an old version of a task)
     * and are rolled over shortly, once a burst of changes (a bundle registers its tasks one by one) has
     * settled; tasks wait meanwhile. A task an older child had already been sent and does not know goes to a
     * newer child (see {@link #result}).
     */
    void taskSetChanged() {
        assertInHub();
        taskSetGeneration++;
        restartAtNanos = System.nanoTime() + TASK_SET_SETTLE.toNanos();
        pool.unavailableInChildren(Map.of()); // the next child of the new task set says what it cannot run
    }

    /** Rolling restart: every child finishes its task and leaves; fresh ones take its place as it goes. */
    void restart() {
        assertInHub();
        for (Child c : List.copyOf(children)) {
            retire(c);
        }
        ensureTarget(System.nanoTime());
    }

    int target() {
        return target;
    }

    PoolStats stats(PoolState state, long completed, long failed) {
        long now = System.nanoTime();
        List<WorkerInfo> workers = new ArrayList<>();
        int active = 0;
        for (Child c : children) {
            PendingJob running = c.outstanding.peek();
            active += running == null ? 0 : 1;
            String s = c.retireWhenIdle ? "retiring" : c.state != Child.State.UP ? "starting" : c.spare ? "spare"
                    : running == null ? "idle" : "busy";
            workers.add(new WorkerInfo(c.pid > 0 ? Long.toString(c.pid) : "child-" + c.index, s,
                    running == null ? null : running.taskId(), c.tasksDone, c.rss, Duration.ofNanos(now - c.spawnNanos)));
        }
        return new PoolStats("prefork", state, target, active, queue.size() + incoming.size(), completed, failed, workers);
    }

    /** Graceful close: runs what is queued, then tells every child to exit, then stops. */
    void close() {
        execute(() -> closing = true);
    }

    private void checkClosing(long now) {
        if (!closing) {
            return;
        }
        boolean idle = queue.isEmpty() && incoming.isEmpty() && children.stream().allMatch(c -> c.outstanding.isEmpty());
        if (!idle) {
            return;
        }
        if (!shutdownSent) {
            shutdownSent = true;
            closeDeadline = now + SHUTDOWN_GRACE;
            for (Child c : List.copyOf(children)) {
                if (c.channel != null) {
                    shutdown(c);
                } else {
                    kill(c, "pool stopping");
                }
            }
            pool.hubDrained();
        }
        if (children.isEmpty() || now >= closeDeadline) {
            stopped = true;
        }
    }

    /** Hard stop: everything queued or running fails with TaskTerminatedException, children are killed. */
    void terminate() {
        execute(() -> {
            failEverything(new TaskTerminatedException("pool 'prefork' was terminated"));
            stopped = true;
        });
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void failEverything(RuntimeException error) {
        for (PendingJob j; (j = incoming.poll()) != null; ) {
            queue.add(j);
        }
        for (PendingJob j; (j = queue.poll()) != null; ) {
            j.handle.fail(error);
        }
        for (Child c : children) {
            for (PendingJob j : c.outstanding) {
                j.handle.fail(error);
            }
            c.outstanding.clear();
            if (c.process != null) {
                c.process.destroyForcibly();
            }
        }
    }

    private void cleanup() {
        stopped = true;
        for (Child c : children) {
            if (c.process != null) {
                c.process.destroyForcibly();
            }
        }
        // Tasks that slipped in after the loop ended never ran: fail them rather than leave them hanging.
        for (PendingJob j; (j = incoming.poll()) != null; ) {
            j.handle.fail(new TaskTerminatedException("pool 'prefork' stopped before task " + j.taskId() + " could run"));
        }
        spawner.shutdownNow();
        try {
            selector.close();
            server.close();
            Files.deleteIfExists(socket);
            try (var files = Files.walk(dir)) { // children's framework storage and configurations too
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove the prefork socket " + socket + ": " + e.getMessage());
        }
        upWaiters.forEach(w -> w.complete(0));
    }
}
