package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolEvents;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskRejectedException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.prefork.protocol.Frame;
import org.celeriac.pool.prefork.protocol.FrameCodec;
import org.celeriac.pool.spi.AbstractPool;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.spi.PoolService;
import org.celeriac.pool.spi.PoolTaskHandle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * {@code pool.name=prefork}: Celery's default pool. Tasks run in {@code concurrency} child JVMs, so a task
 * that crashes, calls {@code System.exit}, exhausts memory or must be stopped by a hard time limit takes
 * only its child with it; the child is replaced and only that task fails ({@code WorkerLostException},
 * {@code TimeLimitExceededException}). The worker side is one non-blocking {@link Hub}.
 *
 * <p>Children load the task bundles the worker has (see {@link BundleClasspath}), so a task resolves the
 * same in both. Pool-specific options: see {@link PreforkOptions}. In OSGi a pool closed with its children
 * up parks its hub, and the next instance with the same options adopts it ({@link ParkedHubs}): a hot-swap
 * back to prefork starts no JVM.
 */
@Component(service = BasePool.class, scope = ServiceScope.PROTOTYPE, property = "service.ranking:Integer=100")
@PoolService(name = "prefork", signal_safe = true)
public final class PreforkPool extends AbstractPool {
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final Supplier<ChildClasspath> classpath;
    /** Where a closed pool parks its hub and a starting one adopts it; {@code null} outside OSGi. */
    private final ParkedHubs parkedHubs;
    private final long instance = INSTANCES.incrementAndGet();
    private final AtomicLong jobNumbers = new AtomicLong();
    private volatile Hub hub;
    /** The worker's framework (null outside OSGi), watched for task services coming and going. */
    private final BundleContext context;
    /** Task name → why a child cannot run it, as the latest child of the current task set reported. */
    private volatile Map<String, String> unavailableInChildren = Map.of();
    private PreforkOptions options;
    private FrameCodec encoder;

    @Activate
    public PreforkPool(@Reference PoolEnvironment env, @Reference ParkedHubs parkedHubs, BundleContext context) {
        this(env, new BundleClasspath(context), context, parkedHubs);
    }

    private PreforkPool(PoolEnvironment env, Supplier<ChildClasspath> classpath, BundleContext context, ParkedHubs parkedHubs) {
        super(env);
        this.classpath = classpath;
        this.context = context;
        this.parkedHubs = parkedHubs;
    }

    /**
     * A prefork pool outside OSGi (tests, benchmarks): children run with {@code classpath}, which must hold
     * this bundle, the API bundle, Jackson, the Felix framework, SCR, Config Admin and the OSGi APIs SCR
     * needs, and install the bundles {@code taskJars}.
     */
    public static PreforkPool standalone(PoolEnvironment env, List<Path> classpath, List<Path> taskJars) {
        ChildClasspath cp = new ChildClasspath(classpath, taskJars, List.of());
        return new PreforkPool(env, () -> cp, null, null);
    }


    @Override
    public Set<PoolCapability> capabilities() {
        return EnumSet.allOf(PoolCapability.class);
    }

    @Override
    protected void onStart(PoolConfig config) {
        options = PreforkOptions.from(config);
        encoder = new FrameCodec(options.maxFrameBytes());
        int n = config.concurrencyOr(Runtime.getRuntime().availableProcessors());
        ParkedHubs.Adopted adopted = parkedHubs == null ? null : parkedHubs.adopt(new Listener(), config, options, n);
        if (adopted != null) {
            hub = adopted.hub();
            whenReleased(adopted.released());
            return; // its children are up (those the resize added come up as usual)
        }
        Hub h;
        try {
            h = new Hub(Long.toString(instance), new Listener(), config, options, new ChildLauncher(classpath, options),
                    parkedHubs == null ? parked -> { } : parkedHubs::park);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the prefork socket: " + e.getMessage(), e);
        }
        hub = h;
        if (context != null) {
            // A task bundle installed, updated or stopped in the worker reaches the children by itself, parked
            // or adopted: the watcher goes with the hub, not with this pool.
            ServiceListener watcher = event -> h.execute(h::taskSetChanged);
            try {
                context.addServiceListener(watcher, "(" + Constants.OBJECTCLASS + "=" + Task.class.getName() + ")");
            } catch (InvalidSyntaxException e) {
                throw new AssertionError(e);
            }
            h.stopped().thenRun(() -> {
                try {
                    context.removeServiceListener(watcher);
                } catch (IllegalStateException frameworkGone) {
                    // the listener went with the bundle
                }
            });
        }
        whenReleased(h.released());
        CompletableFuture<Integer> allUp = h.start(n);
        Duration wait = options.procAliveTimeout().multipliedBy(2).plusSeconds(2);
        try {
            allUp.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (h.call(Hub::upCount) == 0) {
                h.terminate();
                throw new IllegalStateException("no prefork child came up within " + wait
                        + "; the children's own errors are in the log above");
            }
            // Some are up: run with them; the hub keeps replacing the others.
        } catch (Exception e) {
            h.terminate();
            throw new IllegalStateException("prefork children failed to start: " + e, e);
        }
    }

    /** The hub's news, as pool events; called on the hub thread, so nothing here blocks. */
    private final class Listener implements HubListener {
        @Override
        public void childUp(long pid, long startupNanos) {
            publish(PoolEvents.TOPIC_WORKER_UP, Map.of(PoolEvents.WORKER, Long.toString(pid), PoolEvents.STARTUP_NANOS, startupNanos));
        }

        @Override
        public void childRetired(long pid, String reason) {
            publish(PoolEvents.TOPIC_WORKER_RETIRED, Map.of(PoolEvents.WORKER, Long.toString(pid), PoolEvents.REASON, reason));
        }

        @Override
        public void childLost(long pid, String why) {
            publish(PoolEvents.TOPIC_WORKER_LOST, Map.of(PoolEvents.WORKER, Long.toString(pid), PoolEvents.ERROR, why));
        }

        @Override
        public void unavailableInChildren(Map<String, String> unavailable) {
            unavailableInChildren = Map.copyOf(unavailable);
        }

        @Override
        public Set<String> workerTaskNames() {
            return environment().tasks().names();
        }
    }

    /** What the latest child of the current task set could not load, and why. */
    @Override
    public Map<String, String> unavailableTasks() {
        return unavailableInChildren;
    }

    @Override
    protected void onApply(PoolTaskHandle handle, Task task) {
        TaskRequest r = handle.request();
        String unavailable = unavailableInChildren.get(r.name());
        if (unavailable != null) {
            handle.fail(new RemoteTaskException(org.celeriac.pool.api.UnknownTaskException.class.getName(), "task '" + r.name()
                    + "' cannot run in a prefork child: " + unavailable + "; run it on threads, green or solo", ""));
            return;
        }
        Duration soft = config().softTimeLimitFor(r);
        Duration hard = config().timeLimitFor(r);
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("id", r.id());
        msg.put("name", r.name());
        msg.put("args", r.args());
        msg.put("kwargs", r.kwargs());
        if (!r.headers().isEmpty()) {
            msg.put("headers", r.headers()); // retries, root and parent ids: a task sees the same request on every pool
        }
        if (soft != null) {
            msg.put("soft", soft.toNanos());
        }
        if (r.expires() != null) {
            // The child checks it when it gets to the task: one sent ahead may wait there past its expiry.
            msg.put("expires", r.expires().toEpochMilli());
        }
        long number = jobNumbers.incrementAndGet();
        byte[] frame;
        try {
            frame = encoder.encodeJson(Frame.TASK, number, msg);
        } catch (IllegalArgumentException e) {
            handle.fail(new IllegalArgumentException("task " + r.name() + "[" + r.id() + "] cannot be sent to a child: "
                    + e.getMessage()));
            return;
        }
        if (!hub.submit(new PendingJob(number, handle, frame, hard))) {
            throw new TaskRejectedException("pool 'prefork' has stopped; task " + r.id() + " was not accepted");
        }
    }

    /**
     * The pool is TERMINATE once its hub is no longer its own: stopped, or parked for the next instance (then
     * this one lets go of it). TERMINATE takes the lifecycle lock, which a terminating thread may hold while
     * it waits for the hub: never on the hub thread.
     */
    private void whenReleased(CompletableFuture<Void> released) {
        released.thenRunAsync(() -> {
            hub = null;
            terminated();
        }, r -> Thread.ofPlatform().daemon().name("celeriac-prefork-stopped").start(r));
    }

    @Override
    protected void onStop() {
        hub.close(parkedHubs != null);
    }

    @Override
    protected void onTerminate() {
        Hub h = hub;
        if (h != null) {
            h.terminate();
        }
    }

    @Override
    public List<TaskRequest> drainPending() {
        Hub h = hub;
        return h == null ? List.of() : h.call(Hub::drain);
    }

    @Override
    public boolean terminateJob(String taskId) {
        Hub h = hub;
        return h != null && h.call(x -> x.terminateJob(taskId));
    }

    @Override
    public void grow(int n) {
        requirePositiveCount(n, "grow");
        Hub h = requireStarted();
        h.execute(() -> h.resize(n));
    }

    @Override
    public void shrink(int n) {
        requirePositiveCount(n, "shrink");
        Hub h = requireStarted();
        h.call(x -> {
            if (x.target() - n < 1) {
                throw new IllegalArgumentException("cannot shrink pool 'prefork' of " + x.target() + " children by " + n
                        + ": at least one must remain");
            }
            x.resize(-n);
            return null;
        });
    }

    @Override
    public void restart() {
        Hub h = requireStarted();
        h.execute(h::restart);
    }

    private Hub requireStarted() {
        Hub h = hub;
        if (h == null || state() != PoolState.RUN) {
            throw new IllegalStateException("pool 'prefork' is " + state() + "; resize and restart need it running");
        }
        return h;
    }

    @Override
    public PoolStats stats() {
        Hub h = hub;
        if (h == null) {
            return new PoolStats("prefork", state(), config().concurrency(), 0, 0, completedCount(), failedCount(), List.of());
        }
        return h.call(x -> x.stats(state(), completedCount(), failedCount()));
    }

    /** Tasks sent to children ahead of their running one and not started (in {@link PoolStats#queued()} too). */
    int heldByChildren() {
        return requireStarted().call(Hub::held);
    }
}
