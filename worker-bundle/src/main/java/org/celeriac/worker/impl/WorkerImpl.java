package org.celeriac.worker.impl;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.DuplicateTaskException;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.worker.api.Autoscale;
import org.celeriac.worker.api.PoolDescriptor;
import org.celeriac.worker.api.Worker;
import org.celeriac.worker.api.WorkerObserver;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The worker as a Declarative Services component: a thin facade that turns the framework's pool services
 * into a {@link PoolCatalog}, runs tasks through one {@link PoolSwitch} (selection, hot-swap, failover)
 * and keeps them in a {@link TaskBook} (pending and recent, one task per id). Immediate: the pool starts
 * with the container (as Celery's worker starts its pool), not when something first asks for the worker,
 * so the first task does not pay for it and a configuration change applies at once.
 */
@Component(service = Worker.class, immediate = true, configurationPid = WorkerConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = WorkerConfig.class)
public final class WorkerImpl implements Worker, PoolSwitch.Host {
    private static final System.Logger LOG = System.getLogger(WorkerImpl.class.getName());

    private final PoolCatalog catalog = new PoolCatalog();
    private final TaskBook book = new TaskBook(1000);
    /** Every handle's way to terminate its task: one for all of them, not a method reference per task. */
    private final Predicate<String> terminator = this::terminate;
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "celeriac-worker-timer");
        t.setDaemon(true);
        return t;
    });
    private final PoolSwitch lane = new PoolSwitch("default", catalog, this, timers);
    private final Autoscaler autoscaler = new Autoscaler(() -> lane.activePool().orElse(null), timers);
    /** The installed pools by service; DS binds them before activation, so the context comes from the bundle. */
    private final Map<ServiceReference<BasePool>, PoolOffer> offers = new ConcurrentHashMap<>();
    private final BundleContext context = FrameworkUtil.getBundle(WorkerImpl.class).getBundleContext();
    private volatile WorkerSettings settings;
    private volatile boolean activated;
    private volatile boolean shuttingDown;
    /** Copy-on-write: read once per task, changed only when an observer comes or goes. */
    private volatile WorkerObserver[] observers = WorkerTaskHandle.NO_OBSERVERS;
    private final Object observerLock = new Object();

    /** DS binds the pool services before it calls this, so the first choice sees all installed pools. */
    @Activate
    void activate(WorkerConfig config, Map<String, Object> properties) {
        configure(config, properties);
        timers.setRemoveOnCancelPolicy(true);
        String launcherPool = context.getProperty(WorkerSettings.PROP_POOL);
        String launcherConcurrency = context.getProperty(WorkerSettings.PROP_CONCURRENCY);
        activated = true;
        lane.start(launcherPool != null && !launcherPool.isBlank() ? launcherPool.trim() : config.pool(),
                launcherConcurrency != null ? WorkerSettings.parseConcurrency(launcherConcurrency) : config.concurrency());
    }

    private WorkerSettings configure(WorkerConfig config, Map<String, Object> properties) {
        WorkerSettings old = settings;
        settings = WorkerSettings.of(config, properties, Boolean.parseBoolean(context.getProperty(WorkerSettings.PROP_TASK_EVENTS)));
        book.retention(settings.retention());
        try {
            autoscaler.configure(settings.autoscale(context.getProperty(WorkerSettings.PROP_AUTOSCALE)));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.ERROR, "configuration " + WorkerConfig.PID + ": " + e.getMessage() + "; autoscale is off");
        }
        return old;
    }

    @Modified
    void modified(WorkerConfig newConfig, Map<String, Object> properties) {
        WorkerSettings old = configure(newConfig, properties);
        if (!old.sameSelection(settings)) {
            LOG.log(Level.INFO, "configuration changed: pool " + newConfig.pool() + ", concurrency " + newConfig.concurrency());
            try {
                use(newConfig.pool(), newConfig.concurrency());
            } catch (IllegalArgumentException e) {
                LOG.log(Level.ERROR, "configuration " + WorkerConfig.PID + ": " + e.getMessage()
                        + "; staying on " + activePool().orElse("no pool") + " until it is installed");
                lane.select(newConfig.pool(), newConfig.concurrency()); // the lane switches to it when it appears
            }
        } else if (!old.poolOptions().equals(settings.poolOptions())) {
            lane.renew("pool options changed to " + settings.poolOptions());
        }
    }

    @Deactivate
    void deactivate() {
        shuttingDown = true;
        int accepted = book.pendingCount();
        Duration grace = settings.shutdownGrace();
        lane.activePool().ifPresent(pool -> LOG.log(Level.INFO, "shutting down: letting " + accepted
                + " accepted task(s) finish on pool " + pool.name() + " (grace " + grace + ")"));
        if (!lane.close(grace)) {
            LOG.log(Level.WARNING, "shutdown grace of " + grace + " ran out");
        }
        List<String> cut = new ArrayList<>();
        for (WorkerTaskHandle h : book.pendingTasks()) {
            if (h.fail(new TaskTerminatedException("the worker shut down while task " + h.taskId() + " was pending"))) {
                cut.add(h.taskId());
            }
        }
        timers.shutdownNow();
        LOG.log(Level.INFO, "worker stopped: " + (accepted - cut.size()) + " task(s) finished during shutdown, "
                + cut.size() + " cut off" + (cut.isEmpty() ? "" : " " + cut));
    }

    // ---- pool services -----------------------------------------------------------------------------------

    @Reference(service = BasePool.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindPool(ServiceReference<BasePool> ref) {
        PoolOffer offer = new ServicePoolOffer(context, ref);
        offers.put(ref, offer);
        catalog.add(offer);
        if (activated && !shuttingDown) {
            lane.offerAdded(offer);
        }
    }

    void unbindPool(ServiceReference<BasePool> ref) {
        PoolOffer offer = offers.remove(ref);
        if (offer != null) {
            catalog.remove(offer);
            if (!shuttingDown) {
                lane.offerRemoved(offer);
            }
        }
    }

    // ---- observers (whiteboard) ---------------------------------------------------------------------------

    @Reference(service = WorkerObserver.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindObserver(WorkerObserver observer) {
        synchronized (observerLock) {
            List<WorkerObserver> now = new ArrayList<>(List.of(observers));
            now.add(observer);
            observers = now.toArray(WorkerObserver[]::new);
        }
        lane.activePool().ifPresent(p -> observer.poolActivated(p.name(), null)); // what it missed
    }

    void unbindObserver(WorkerObserver observer) {
        synchronized (observerLock) {
            List<WorkerObserver> now = new ArrayList<>(List.of(observers));
            now.remove(observer);
            observers = now.toArray(WorkerObserver[]::new);
        }
    }

    @Override
    public void activated(String pool, String previous) {
        for (WorkerObserver o : observers) {
            try {
                o.poolActivated(pool, previous);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "worker observer " + o.getClass().getName() + " failed: " + e, e);
            }
        }
    }

    // ---- PoolSwitch.Host ----------------------------------------------------------------------------------

    @Override
    public PoolConfig configFor(int concurrency) {
        return settings.poolConfig(concurrency);
    }

    @Override
    public Duration poolWait() {
        return settings.poolWait();
    }

    @Override
    public WorkerTaskHandle pending(String taskId) {
        return book.pending(taskId);
    }

    @Override
    public boolean containerStopping() {
        return context.getBundle(0).getState() == Bundle.STOPPING;
    }

    // ---- tasks -------------------------------------------------------------------------------------------

    @Override
    public TaskHandle submit(TaskRequest request, Consumer<? super TaskHandle> beforeRouting) {
        Objects.requireNonNull(request, "request");
        if (shuttingDown) {
            throw new IllegalStateException("the worker is shutting down and accepts no new tasks");
        }
        WorkerTaskHandle h = new WorkerTaskHandle(request, book, terminator);
        if (!book.admit(h)) {
            return WorkerTaskHandle.failed(request, new DuplicateTaskException("task id " + request.id()
                    + " is already pending or running; a task id runs once"));
        }
        h.observe(observers);
        beforeRouting.accept(h);
        Instant eta = request.eta();
        long delay = eta == null ? 0 : Duration.between(Instant.now(), eta).toNanos();
        if (delay > 0) {
            timers.schedule(() -> lane.route(h), delay, TimeUnit.NANOSECONDS);
        } else {
            lane.route(h);
        }
        return h;
    }

    @Override
    public boolean terminate(String taskId) {
        WorkerTaskHandle h = book.pending(taskId);
        if (h == null) {
            return false;
        }
        BasePool pool = h.pool();
        if (pool == null) { // held for its ETA or parked: it never reached a pool
            lane.unpark(h);
            return h.fail(new TaskTerminatedException("task " + taskId + " was terminated"));
        }
        requireCapability(pool, PoolCapability.TERMINATE_JOB, "terminate");
        // Through the pool's handle while it is pending: the pool then knows when to stop looking for a task
        // on its way to a worker (InProcessPool.terminateJob). A handle that ended was requeued: by id.
        TaskHandle attached = h.poolHandle();
        return attached != null && !attached.state().isDone() ? attached.terminate() : pool.terminateJob(taskId);
    }

    @Override
    public Optional<TaskHandle> task(String taskId) {
        return book.find(taskId).map(h -> h);
    }

    @Override
    public boolean evicted(String taskId) {
        return book.evicted(taskId);
    }

    @Override
    public List<TaskHandle> tasks() {
        return List.copyOf(book.all());
    }

    @Override
    public Map<String, String> unavailableTasks() {
        return lane.activePool().map(BasePool::unavailableTasks).orElse(Map.of());
    }

    // ---- control -----------------------------------------------------------------------------------------

    @Override
    public List<PoolDescriptor> pools() {
        return catalog.all().stream().map(o -> new PoolDescriptor(o.names(), o.green(), o.signalSafe(), o.ranking(),
                o.origin(), lane.isActive(o))).toList();
    }

    @Override
    public Optional<String> activePool() {
        return lane.activePool().map(BasePool::name);
    }

    @Override
    public void use(String name, int concurrency) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("pool name must not be blank; available: " + catalog.names());
        }
        if (concurrency < 0) {
            throw new IllegalArgumentException("concurrency must be >= 0 (0 = configured), was " + concurrency);
        }
        lane.use(name, concurrency == 0 ? settings.config().concurrency() : concurrency);
    }

    @Override
    public PoolStats stats() {
        return lane.requireActive().stats();
    }

    @Override
    public void autoscale(Autoscale settings) {
        autoscaler.configure(java.util.Objects.requireNonNull(settings, "settings"));
    }

    @Override
    public Autoscale autoscale() {
        return autoscaler.settings();
    }

    @Override
    public void grow(int n) {
        BasePool pool = lane.requireActive();
        requireCapability(pool, PoolCapability.RESIZE, "grow");
        pool.grow(n);
    }

    @Override
    public void shrink(int n) {
        BasePool pool = lane.requireActive();
        requireCapability(pool, PoolCapability.RESIZE, "shrink");
        pool.shrink(n);
    }

    @Override
    public void restart() {
        lane.restart();
    }

    private static void requireCapability(BasePool pool, PoolCapability capability, String operation) {
        if (!pool.capabilities().contains(capability)) {
            throw new UnsupportedOperationException("pool '" + pool.name() + "' does not support " + operation
                    + " (it supports " + pool.capabilities() + ")");
        }
    }
}
