package org.celeriac.pool.prefork.child;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.celeriac.pool.spi.SoftTimeLimit;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.prefork.protocol.Frame;
import org.celeriac.pool.prefork.protocol.FrameCodec;
import org.celeriac.pool.prefork.protocol.JobSlots;
import org.celeriac.pool.prefork.protocol.Payloads;
import org.celeriac.pool.prefork.protocol.ProtocolException;

/**
 * A prefork child: connects to the worker's private socket, proves its secret, loads the task bundles,
 * says {@code WORKER_UP}, then runs the tasks it is sent one after another, answering each with a RESULT
 * frame, except those the worker took back before it started them ({@link JobSlots}). It exits when told
 * to (SHUTDOWN, after its queued tasks), and when its worker is gone — its socket closes, or, while a task
 * runs, a watchdog finds the worker process dead (within {@value #WATCH_MILLIS} ms) — so that a dead worker
 * never leaves orphans behind.
 *
 * <p>One thread reads a frame and runs its task. A reader thread handing each task to a task thread cost a
 * thread wake-up per task on the round trip (which a child with no task held ahead idles through); the
 * reader was there only to notice a dead worker mid-task, which the watchdog does with a check every
 * {@value #WATCH_MILLIS} ms. Taking a task back needs no reader either: it is settled in shared memory.
 *
 * <p>Usage: {@code ChildMain <socket> <index> <task-bundle.jar>...} with the secret in the environment
 * variable {@value #SECRET_ENV}; or {@code ChildMain --train <task-bundle.jar>...}, which loads and
 * exercises everything once and exits (to record a class-data/AOT cache).
 */
public final class ChildMain {
    public static final String SECRET_ENV = "CELERIAC_CHILD_SECRET";
    public static final String MAX_FRAME_ENV = "CELERIAC_MAX_FRAME_BYTES";
    public static final String REPORT_RSS_ENV = "CELERIAC_REPORT_RSS";
    /** A JSON file (in the hub's private directory) with the worker's configurations for the child's bundles. */
    public static final String CONFIG_ENV = "CELERIAC_CHILD_CONFIG";
    /** The file of the child's {@link JobSlots}, in the hub's private directory. */
    public static final String SLOTS_ENV = "CELERIAC_CHILD_SLOTS";
    static final long WATCH_MILLIS = 200;
    /** Tasks the training run ({@code --train}) passes through the per-task path. */
    private static final int TRAINING_TASKS = 20_000;

    private final SocketChannel channel;
    private final FrameCodec codec;
    private final ChildFramework tasks;
    private final JobSlots slots;
    private final Path storage;
    private final String pid = Long.toString(ProcessHandle.current().pid());
    private final boolean reportRssEveryTask = "1".equals(System.getenv(REPORT_RSS_ENV));
    private final ResidentSize residentSize = ResidentSize.open();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "soft-limit-timer");
        t.setDaemon(true);
        return t;
    });
    private long done;
    /** TASK frames read so far: the next one's number (see {@link JobSlots}). */
    private long framesRead;
    private volatile boolean leaving;

    private ChildMain(SocketChannel channel, FrameCodec codec, ChildFramework tasks, JobSlots slots, Path storage) {
        this.channel = channel;
        this.codec = codec;
        this.tasks = tasks;
        this.slots = slots;
        this.storage = storage;
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("--train")) {
            try {
                train(jars(args, 1));
            } catch (Throwable t) {
                // The framework's threads would keep a failed training's JVM alive, and with it a process that
                // never records the cache: end it, so that the worker sees the failure.
                t.printStackTrace();
                System.exit(1);
            }
            return;
        }
        if (args.length < 2) {
            System.err.println("usage: ChildMain <socket> <index> <task-bundle.jar>...");
            System.exit(2);
        }
        String secret = System.getenv(SECRET_ENV);
        String maxFrame = System.getenv(MAX_FRAME_ENV);
        FrameCodec codec = new FrameCodec(maxFrame == null ? 16 << 20 : Integer.parseInt(maxFrame));
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(Path.of(args[0])));
        } catch (IOException e) {
            System.err.println("celeriac child " + ProcessHandle.current().pid() + ": cannot reach the worker at "
                    + args[0] + " (" + e.getMessage() + "); exiting");
            System.exit(1);
            return;
        }
        // Marks an orderly exit (System.exit in a task): shutdown hooks run then, not when the JVM exits on an
        // OutOfMemoryError (-XX:+ExitOnOutOfMemoryError, also code 3) or on a signal. The hub tells them apart.
        Path mark = exitMark(Path.of(args[0]), ProcessHandle.current().pid());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.createFile(mark);
            } catch (IOException e) {
                // the hub then reads the exit code alone
            }
        }, "celeriac-child-exit-mark"));
        Map<String, Object> hello = new LinkedHashMap<>();
        hello.put("secret", secret);
        hello.put("pid", ProcessHandle.current().pid());
        hello.put("index", Integer.parseInt(args[1]));
        List<String> warnings = new ArrayList<>();
        // The framework's storage: beside the hub's socket, in its private (0700) directory.
        Path storage = Path.of(args[0]).resolveSibling("child-" + ProcessHandle.current().pid());
        ChildFramework tasks;
        JobSlots slots;
        try {
            slots = JobSlots.open(Path.of(System.getenv(SLOTS_ENV)));
            write(channel, ByteBuffer.wrap(codec.encodeJson(Frame.HELLO, 0, hello)));
            tasks = ChildFramework.start(storage, jars(args, 2), configurations(), warnings);
            // What went wrong while loading goes to the worker, which says it once, not once per child.
            write(channel, ByteBuffer.wrap(codec.encodeJson(Frame.WORKER_UP, 0, Map.of("pid", ProcessHandle.current().pid(),
                    "tasks", List.copyOf(tasks.taskNames()), "unavailable", tasks.unavailable(), "warnings", warnings))));
        } catch (IOException e) {
            // The worker went away while this child started (e.g. it was SIGKILLed): leave quietly, as below.
            Runtime.getRuntime().halt(0);
            return;
        }
        ChildMain child = new ChildMain(channel, codec, tasks, slots, storage);
        watchWorker();
        Thread.currentThread().setName("celeriac-child-task");
        child.serve();
    }

    /** Halts this child once the process that started it (the worker) is gone, whatever the child is doing. */
    private static void watchWorker() {
        ProcessHandle worker = ProcessHandle.current().parent().orElse(null);
        Thread.ofPlatform().daemon().name("celeriac-child-watchdog").start(() -> {
            try {
                while (worker != null && worker.isAlive()) {
                    Thread.sleep(WATCH_MILLIS);
                }
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(0); // the worker is gone: never outlive it
        });
    }

    /** The file a child's shutdown hook creates beside the hub's socket when it exits through System.exit. */
    public static Path exitMark(Path socket, long pid) {
        return socket.resolveSibling("exit-" + pid);
    }

    /** The worker's configurations for this child's bundles (see {@link #CONFIG_ENV}), or none. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> configurations() throws IOException {
        String file = System.getenv(CONFIG_ENV);
        if (file == null || !Files.isRegularFile(Path.of(file))) {
            return List.of();
        }
        try {
            Object all = Payloads.readObject(Files.readAllBytes(Path.of(file)), "configurations " + file).get("configurations");
            return all instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
        } catch (ProtocolException e) {
            throw new IOException("unreadable configurations " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> jars(String[] args, int from) {
        List<Path> jars = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            jars.add(Path.of(args[i]));
        }
        return jars;
    }

    /**
     * Reads frames and runs each task as it comes, until told to stop or the worker goes away. A task the
     * worker took back before this child started it ({@link JobSlots}) is skipped and never answered.
     */
    private void serve() {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        try {
            for (;;) {
                Frame f;
                while ((f = codec.next()) == null) {
                    in.clear();
                    if (channel.read(in) < 0) {
                        Runtime.getRuntime().halt(0); // the worker is gone: never outlive it
                    }
                    in.flip();
                    codec.feed(in);
                }
                if (f.type() == Frame.SHUTDOWN) {
                    leaving = true;
                    tasks.stop(storage); // components deactivate, as in the worker when a bundle stops
                    channel.close();
                    Runtime.getRuntime().halt(0);
                }
                if (f.type() != Frame.TASK) {
                    throw new ProtocolException("unexpected frame type " + f.type() + " from the worker");
                }
                if (slots.start(framesRead++, f.job())) {
                    answer(f);
                }
            }
        } catch (IOException | ProtocolException e) {
            if (!leaving) {
                System.err.println("celeriac child " + pid + ": lost the worker's connection: " + e);
            }
        }
        Runtime.getRuntime().halt(0);
    }

    /** Runs the task of frame {@code f} and writes its RESULT. */
    private void answer(Frame f) throws IOException {
        Map<String, Object> result = run(f);
        // A task may leave its thread interrupted (say, restoring the flag after catching InterruptedException):
        // the next write or read on this interruptible channel would close it and end the child.
        Thread.interrupted();
        done++;
        if (reportRssEveryTask || done == 1 || done % 64 == 0) {
            result.put("rss", residentSize.bytes());
        }
        byte[] frame;
        try {
            frame = codec.encodeJson(Frame.RESULT, f.job(), result);
        } catch (FrameCodec.FrameTooLargeException tooBig) {
            frame = codec.encodeJson(Frame.RESULT, f.job(), failure("java.lang.IllegalArgumentException",
                    "the task's result is too large: " + tooBig.getMessage(), ""));
        } catch (IllegalArgumentException notJson) {
            frame = codec.encodeJson(Frame.RESULT, f.job(), failure("java.lang.IllegalArgumentException",
                    "the task returned a value that is not JSON: " + notJson.getMessage(), ""));
        }
        write(channel, ByteBuffer.wrap(frame));
    }

    private Map<String, Object> run(Frame f) {
        Map<String, Object> msg;
        try {
            msg = Payloads.readObject(f);
        } catch (ProtocolException e) {
            return failure(ProtocolException.class.getName(), e.getMessage(), "");
        }
        String name = String.valueOf(msg.get("name"));
        if (msg.get("expires") instanceof Number expires && System.currentTimeMillis() > expires.longValue()) {
            // Held here behind another task past its expiry: revoked, never run, as on every pool.
            return failure(TaskExpiredException.class.getName(), "task " + name + "[" + msg.get("id") + "] expired at "
                    + Instant.ofEpochMilli(expires.longValue()) + " before it could start", "");
        }
        Task task = tasks.task(name);
        if (task == null && tasks.unavailable().containsKey(name)) {
            String reason = tasks.unavailable().get(name);
            Map<String, Object> failed = failure("org.celeriac.pool.api.UnknownTaskException", "task '" + name
                    + "' cannot run in a prefork child: " + reason + "; run it on threads, green or solo", "");
            failed.put("unavailable", Map.of(name, reason)); // the worker refuses its next ones at once
            return failed;
        }
        if (task == null) {
            return failure("org.celeriac.pool.api.UnknownTaskException", "unknown task '" + name + "' in child " + pid
                    + "; loaded tasks: " + tasks.taskNames(), "");
        }
        return call(task, name, msg, pid, timer);
    }

    /** Builds the task's request and context from its message, calls it, and returns its outcome as a RESULT's body. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> call(Task task, String name, Map<String, Object> msg, String pid,
                                            ScheduledExecutorService timer) {
        ChildContext ctx;
        try {
            Object soft = msg.get("soft");
            TaskRequest request = TaskRequest.builder(name).id(String.valueOf(msg.get("id")))
                    .args((List<Object>) msg.getOrDefault("args", List.of()))
                    .kwargs((Map<String, Object>) msg.getOrDefault("kwargs", Map.of()))
                    .headers((Map<String, Object>) msg.getOrDefault("headers", Map.of()))
                    .softTimeLimit(soft instanceof Number n ? Duration.ofNanos(n.longValue()) : null).build();
            ctx = new ChildContext(request, pid);
        } catch (RuntimeException e) {
            return failure(e.getClass().getName(), "malformed task message: " + e.getMessage(), "");
        }
        ctx.soft = SoftTimeLimit.arm(ctx.request(), ctx.request().softTimeLimit(), timer);
        try {
            Object value = task.call(ctx, ctx.request().args(), ctx.request().kwargs());
            Map<String, Object> ok = new LinkedHashMap<>();
            ok.put("ok", true);
            ok.put("value", value);
            return ok;
        } catch (Throwable t) {
            Throwable reported = ctx.soft.failure(t);
            return failure(reported.getClass().getName(), String.valueOf(reported.getMessage()), trace(reported));
        } finally {
            ctx.soft.finish();
        }
    }

    private static Map<String, Object> failure(String type, String message, String trace) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", false);
        m.put("type", type);
        m.put("message", message);
        m.put("trace", trace);
        return m;
    }

    private static String trace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w)); // into the RESULT frame, as text: the traceback Celery reports
        return w.toString();
    }

    private static void write(SocketChannel channel, ByteBuffer b) throws IOException {
        synchronized (channel) {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }
    }

    /** Boots the framework with the bundles and exercises the protocol once, so that a class-data/AOT cache recorded now covers them. */
    private static void train(List<Path> jars) throws Exception {
        List<String> warnings = new ArrayList<>();
        Path storage = Files.createTempDirectory("celeriac-train-");
        ChildFramework tasks = ChildFramework.start(storage, jars, List.of(), warnings);
        tasks.taskNames().forEach(tasks::task); // a child activates a component when it first runs its task
        FrameCodec codec = new FrameCodec(1 << 20);
        // The per-task path, as often as a child runs it in its first seconds: the cache then carries its
        // method profiles (JDK 25, JEP 515), so children compile it sooner.
        JobSlots slots = JobSlots.create(storage.resolve("slots"), 64);
        Task noop = (ctx, args, kwargs) -> args.size();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        for (int i = 0; i < TRAINING_TASKS; i++) {
            codec.feed(ByteBuffer.wrap(codec.encodeJson(Frame.TASK, i + 1, Map.of("id", "t" + i, "name", "noop",
                    "args", List.of(i, "a"), "kwargs", Map.of("k", 1.5)))));
            Frame task = codec.next();
            slots.sent(i, task.job());
            slots.start(i, task.job());
            Map<String, Object> result = call(noop, "noop", Payloads.readObject(task), "0", timer);
            codec.encodeJson(Frame.RESULT, task.job(), result);
        }
        timer.shutdown();
        TaskRequest.builder("x").args(List.of(1)).build();
        codec.encodeJson(Frame.RESULT, 0, failure("x", "y", trace(new IllegalStateException("train"))));
        ResidentSize.open().bytes();
        System.out.println("trained with " + tasks.taskNames().size() + " task names");
        tasks.stop(storage);
    }
}
