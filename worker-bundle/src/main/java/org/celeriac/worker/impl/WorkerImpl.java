package org.celeriac.worker.impl;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.PoolUnavailableException;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRejectedException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.spi.AbstractPool;
import org.celeriac.worker.api.PoolDescriptor;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceObjects;
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
 * The worker. Tracks every {@link BasePool} service, runs tasks on one fresh instance of the selected pool
 * (the {@link Active} pool), and moves between pools without losing or repeating a task. Immediate: the
 * pool starts with the container (as Celery's worker starts its pool), not when something first asks for
 * the worker, so the first task does not pay for it and a configuration change applies at once.
 *
 * <h2>Hot-swap</h2> (under {@link #control}, see {@link #swapTo})
 * <ol>
 *   <li>get a new instance of the target pool service (prototype scope) and start it;</li>
 *   <li>publish it as {@link #active}: from here on new tasks go to it;</li>
 *   <li>retire the old pool: {@code stop()} (refuse new, finish running), then {@code drainPending()}, and
 *       route each handed-back request to the new pool. A drained request's old handle fails with
 *       {@code TaskRequeuedException}, which {@link WorkerTaskHandle} ignores, so each task completes once.</li>
 * </ol>
 * A submitter that read the old pool just before the swap gets {@link TaskRejectedException} from it and
 * simply routes again. Failover is the same swap, triggered when the active pool's service goes away;
 * when the selected pool's service comes back, the worker swaps back to it.
 *
 * <h2>No pool</h2>
 * Tasks that find no pool are parked, routed as soon as a pool appears, and failed with
 * {@link PoolUnavailableException} after {@code pool_wait_timeout}. Nothing blocks the submitter.
 */
@Component(service = Worker.class, immediate = true, configurationPid = WorkerConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = WorkerConfig.class)
public final class WorkerImpl implements Worker {
    private static final System.Logger LOG = System.getLogger(WorkerImpl.class.getName());
    /** Framework properties set by the launcher from --pool / --concurrency (or the environment). */
    static final String PROP_POOL = "celeriac.worker.pool";
    static final String PROP_CONCURRENCY = "celeriac.worker.concurrency";
    /** The launcher's {@code -E}: task events on, whatever the configuration says. */
    static final String PROP_TASK_EVENTS = "celeriac.worker.task.events";
    static final String OPTION_PREFIX = "option.";

    /** The pool instance tasks go to. */
    private record Active(ServiceReference<BasePool> ref, ServiceObjects<BasePool> objects, BasePool pool) {
    }

    private BundleContext context;
    /** Guards pool selection, swaps, {@link #available} and {@link #parked}. Never held while a task runs. */
    private final ReentrantLock control = new ReentrantLock();
    /** Every pool service, highest ranking first. */
    private final TreeSet<ServiceReference<BasePool>> available = new TreeSet<>(Comparator.reverseOrder());
    private final Deque<WorkerTaskHandle> parked = new ArrayDeque<>();
    private final ConcurrentHashMap<String, WorkerTaskHandle> pending = new ConcurrentHashMap<>();
    private final RecentResults recent = new RecentResults(1000);
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "celeriac-worker-timer");
        t.setDaemon(true);
        return t;
    });

    private volatile Active active;
    private volatile WorkerConfig config;
    private volatile Map<String, String> poolOptions = Map.of();
    private volatile String selected;       // the pool the user wants; failover falls back, and returns to it
    private volatile int selectedConcurrency;
    private volatile boolean activated;
    private volatile boolean shuttingDown;

    /** DS binds the pool services before it calls this, so the first choice sees all installed pools. */
    @Activate
    void activate(BundleContext context, WorkerConfig config, Map<String, Object> properties) {
        this.context = context;
        this.config = config;
        this.poolOptions = poolOptions(properties);
        recent.retention(resultRetention(config));
        timers.setRemoveOnCancelPolicy(true);
        String launcherPool = context.getProperty(PROP_POOL);
        String launcherConcurrency = context.getProperty(PROP_CONCURRENCY);
        selected = launcherPool != null && !launcherPool.isBlank() ? launcherPool.trim() : config.pool();
        selectedConcurrency = launcherConcurrency != null ? parseConcurrency(launcherConcurrency) : config.concurrency();
        control.lock();
        try {
            activated = true;
            ServiceReference<BasePool> ref = preferred();
            if (ref != null) {
                swapToLogged(ref, selectedConcurrency, "starting");
            } else {
                LOG.log(Level.WARNING, "no pool is installed yet; tasks wait up to " + config.pool_wait_timeout() + " s for one");
            }
        } finally {
            control.unlock();
        }
    }

    private static int resultRetention(WorkerConfig c) {
        if (c.result_retention() < 0) {
            LOG.log(Level.ERROR, "configuration " + WorkerConfig.PID + ": result.retention must be >= 0, was "
                    + c.result_retention() + "; keeping the last 1000 results");
            return 1000;
        }
        return c.result_retention();
    }

    private static int parseConcurrency(String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("concurrency must be an integer >= 0 (0 = the pool's default), was '" + value + "'");
        }
    }

    /** {@code option.<name> = value} configuration entries: the pools' own options ({@link PoolConfig#options()}). */
    private static Map<String, String> poolOptions(Map<String, Object> properties) {
        Map<String, String> options = new java.util.TreeMap<>();
        properties.forEach((k, v) -> {
            if (k.startsWith(OPTION_PREFIX) && k.length() > OPTION_PREFIX.length()) {
                options.put(k.substring(OPTION_PREFIX.length()), String.valueOf(v));
            }
        });
        return Map.copyOf(options);
    }

    @Modified
    void modified(WorkerConfig newConfig, Map<String, Object> properties) {
        WorkerConfig old = this.config;
        this.config = newConfig;
        recent.retention(resultRetention(newConfig));
        Map<String, String> oldOptions = poolOptions;
        this.poolOptions = poolOptions(properties);
        if (!oldOptions.equals(poolOptions) && old.pool().equals(newConfig.pool()) && old.concurrency() == newConfig.concurrency()) {
            LOG.log(Level.INFO, "pool options changed to " + poolOptions + "; restarting the pool with them");
            Active a = active;
            if (a != null) {
                control.lock();
                try {
                    swapTo(a.ref(), selectedConcurrency);
                } finally {
                    control.unlock();
                }
            }
            return;
        }
        if (!old.pool().equals(newConfig.pool()) || old.concurrency() != newConfig.concurrency()) {
            LOG.log(Level.INFO, "configuration changed: pool " + newConfig.pool() + ", concurrency " + newConfig.concurrency());
            try {
                use(newConfig.pool(), newConfig.concurrency());
            } catch (IllegalArgumentException e) {
                LOG.log(Level.ERROR, "configuration " + WorkerConfig.PID + ": " + e.getMessage()
                        + "; staying on " + activePool().orElse("no pool"));
                selected = newConfig.pool(); // switch when it appears
            }
        }
    }

    @Deactivate
    void deactivate() {
        shuttingDown = true;
        Active a;
        List<WorkerTaskHandle> waiting;
        control.lock();
        try {
            a = active;
            active = null;
            waiting = new ArrayList<>(parked);
            parked.clear();
        } finally {
            control.unlock();
        }
        for (WorkerTaskHandle h : waiting) {
            h.complete(TaskState.FAILURE, null, new PoolUnavailableException("the worker shut down before task "
                    + h.taskId() + " found a pool"));
        }
        int running = pending.size();
        Duration grace = seconds(config.shutdown_grace());
        if (a != null) {
            LOG.log(Level.INFO, "shutting down: letting " + running + " accepted task(s) finish on pool "
                    + a.pool().name() + " (grace " + grace + ")");
            boolean clean = a.pool() instanceof AbstractPool ap ? ap.close(grace) : awaitStop(a.pool(), grace);
            a.objects().ungetService(a.pool());
            if (!clean) {
                LOG.log(Level.WARNING, "shutdown grace of " + grace + " ran out");
            }
        }
        List<String> cut = new ArrayList<>(pending.keySet());
        for (WorkerTaskHandle h : List.copyOf(pending.values())) {
            h.complete(TaskState.REVOKED, null, new TaskTerminatedException("the worker shut down while task "
                    + h.taskId() + " was pending"));
        }
        timers.shutdownNow();
        LOG.log(Level.INFO, "worker stopped: " + (running - cut.size()) + " task(s) finished during shutdown, "
                + cut.size() + " cut off" + (cut.isEmpty() ? "" : " " + cut));
    }

    private static boolean awaitStop(BasePool pool, Duration grace) {
        try {
            pool.stop().toCompletableFuture().get(grace.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (Exception e) {
            pool.terminate();
            return false;
        }
    }

    // ---- pool services -----------------------------------------------------------------------------------

    @Reference(service = BasePool.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindPool(ServiceReference<BasePool> ref) {
        control.lock();
        try {
            available.add(ref);
            if (!activated || shuttingDown) {
                return;
            }
            Active a = active;
            if (a == null) {
                swapToLogged(preferred(), selectedConcurrency, "pool " + PoolNames.of(ref).get(0) + " appeared");
            } else if (PoolNames.of(ref).contains(selected) && !PoolNames.of(a.ref()).contains(selected)) {
                swapToLogged(ref, selectedConcurrency, "the selected pool " + selected + " is back");
            }
        } finally {
            control.unlock();
        }
    }

    void unbindPool(ServiceReference<BasePool> ref) {
        control.lock();
        try {
            available.remove(ref);
            Active a = active;
            if (shuttingDown || a == null || !a.ref().equals(ref)) {
                return;
            }
            ServiceReference<BasePool> next = frameworkStopping() ? null : preferred();
            String why = "pool " + a.pool().name() + " went away (its bundle " + bundleName(ref) + " stopped or was updated)";
            if (next != null) {
                swapToLogged(next, selectedConcurrency, why);
            } else {
                LOG.log(Level.WARNING, why + "; no other pool is available, tasks wait for one");
                active = null;
                retire(a);
            }
        } finally {
            control.unlock();
        }
    }

    /** While the framework shuts down, pools go one by one: failing over to each in turn would only churn. */
    private boolean frameworkStopping() {
        return context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING;
    }

    /** The selected pool if it is available, else the highest-ranking one; {@code null} if there is none. */
    private ServiceReference<BasePool> preferred() {
        assert control.isHeldByCurrentThread();
        for (ServiceReference<BasePool> ref : available) {
            if (PoolNames.of(ref).contains(selected)) {
                return ref;
            }
        }
        return available.isEmpty() ? null : available.first();
    }

    private void swapToLogged(ServiceReference<BasePool> ref, int concurrency, String why) {
        if (ref == null) {
            return;
        }
        String name = PoolNames.of(ref).get(0);
        if (!PoolNames.of(ref).contains(selected)) {
            LOG.log(Level.WARNING, why + ": the selected pool '" + selected + "' is not installed, using '" + name
                    + "' (highest ranking available) until it is");
        } else {
            LOG.log(Level.INFO, why + ": using pool '" + name + "'");
        }
        try {
            swapTo(ref, concurrency);
        } catch (IllegalArgumentException e) {
            // A fallback pool may refuse the selected pool's concurrency (solo takes 1): use its own default.
            LOG.log(Level.WARNING, "pool '" + name + "' refused concurrency " + concurrency + " (" + e.getMessage()
                    + "); starting it with its default");
            try {
                swapTo(ref, 0);
            } catch (RuntimeException again) {
                LOG.log(Level.ERROR, "could not start pool '" + name + "': " + again.getMessage(), again);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "could not start pool '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The hot-swap: see the class comment. */
    private void swapTo(ServiceReference<BasePool> ref, int concurrency) {
        assert control.isHeldByCurrentThread();
        ServiceObjects<BasePool> objects = context.getServiceObjects(ref);
        BasePool pool = objects == null ? null : objects.getService();
        if (pool == null) {
            throw new IllegalStateException("pool service " + PoolNames.of(ref) + " is no longer available");
        }
        try {
            pool.start(poolConfig(concurrency));
        } catch (RuntimeException e) {
            objects.ungetService(pool);
            throw e;
        }
        Active old = active;
        active = new Active(ref, objects, pool);
        List<WorkerTaskHandle> waiting = new ArrayList<>(parked);
        parked.clear();
        if (old != null) {
            retire(old);
        }
        // Routed after the swap is visible; applyAsync never blocks except on solo, which runs inline by contract.
        waiting.forEach(this::route);
    }

    /** Stops a pool that is no longer active and moves its queued tasks to whatever is active now. */
    private void retire(Active old) {
        old.pool().stop();
        List<TaskRequest> drained = old.pool().drainPending();
        if (!drained.isEmpty()) {
            LOG.log(Level.INFO, "moving " + drained.size() + " queued task(s) from pool " + old.pool().name());
        }
        for (TaskRequest r : drained) {
            WorkerTaskHandle h = pending.get(r.id());
            if (h != null) {
                route(h);
            }
        }
        old.pool().termination().whenCompleteAsync((v, e) -> {
            if (old.ref().getBundle() != null) { // once unregistered, SCR has released the instance itself
                old.objects().ungetService(old.pool());
            }
        }, timers);
    }

    private PoolConfig poolConfig(int concurrency) {
        WorkerConfig c = config;
        return new PoolConfig(concurrency, positiveSeconds(c.soft_time_limit()), positiveSeconds(c.time_limit()),
                c.max_tasks_per_child(), c.max_memory_per_child() * 1024,
                c.task_events() || Boolean.parseBoolean(context.getProperty(PROP_TASK_EVENTS)), poolOptions);
    }

    private static Duration positiveSeconds(double s) {
        return s > 0 ? seconds(s) : null;
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }

    private static String bundleName(ServiceReference<?> ref) {
        return ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName();
    }

    // ---- tasks -------------------------------------------------------------------------------------------

    @Override
    public TaskHandle submit(TaskRequest request) {
        Objects.requireNonNull(request, "request");
        if (shuttingDown) {
            throw new IllegalStateException("the worker is shutting down and accepts no new tasks");
        }
        WorkerTaskHandle h = new WorkerTaskHandle(request, this);
        if (pending.putIfAbsent(request.id(), h) != null) {
            h.complete(TaskState.FAILURE, null, new IllegalArgumentException("task id " + request.id()
                    + " is already pending or running; a task id runs once"));
            return h;
        }
        Instant eta = request.eta();
        long delay = eta == null ? 0 : Duration.between(Instant.now(), eta).toNanos();
        if (delay > 0) {
            timers.schedule(() -> route(h), delay, TimeUnit.NANOSECONDS);
        } else {
            route(h);
        }
        return h;
    }

    /** Hands the task to the active pool, or parks it until there is one. */
    private void route(WorkerTaskHandle h) {
        for (;;) {
            if (h.isDone()) {
                return; // terminated while held
            }
            Active a = active;
            if (a == null) {
                if (park(h)) {
                    return;
                }
                continue;
            }
            try {
                h.handingTo(a.pool());
                h.attach(a.pool(), a.pool().applyAsync(h.request()));
                return;
            } catch (TaskRejectedException e) {
                // The pool closed under us: a swap retired it (active has moved on) or its bundle is stopping
                // (the failover is about to replace it). Park if it is still the active one.
                h.handingTo(null);
                if (active == a && park(h)) {
                    return;
                }
            } catch (RuntimeException e) {
                // A broken pool must not leave the task pending forever: fail it, naming the pool.
                LOG.log(Level.ERROR, "pool " + a.pool().name() + " failed to accept task " + h.taskId(), e);
                h.complete(TaskState.FAILURE, null, new IllegalStateException("pool '" + a.pool().name()
                        + "' failed to accept the task: " + e, e));
                return;
            }
        }
    }

    /** Parks the task until a pool is active; {@code false} if one became active meanwhile (route again). */
    private boolean park(WorkerTaskHandle h) {
        control.lock();
        try {
            Active a = active;
            if (a != null && a.pool().state() == org.celeriac.pool.api.PoolState.RUN) {
                return false;
            }
            parked.add(h);
        } finally {
            control.unlock();
        }
        Duration wait = seconds(config.pool_wait_timeout());
        timers.schedule(() -> expireParked(h, wait), wait.toNanos(), TimeUnit.NANOSECONDS);
        return true;
    }

    private void expireParked(WorkerTaskHandle h, Duration wait) {
        boolean removed;
        control.lock();
        try {
            removed = parked.remove(h);
        } finally {
            control.unlock();
        }
        if (removed) {
            h.complete(TaskState.FAILURE, null, new PoolUnavailableException("no pool became available within "
                    + wait + " for task " + h.request().name() + "[" + h.taskId() + "]; installed pools: " + poolNames()));
        }
    }

    /** Called once by each handle when it completes. */
    void finished(WorkerTaskHandle h) {
        // Recent first, then out of pending: a lookup in between finds it in both, never in neither.
        recent.add(h);
        pending.remove(h.taskId(), h);
    }

    @Override
    public boolean terminate(String taskId) {
        WorkerTaskHandle h = pending.get(taskId);
        if (h == null) {
            return false;
        }
        BasePool pool = h.pool();
        if (pool == null) { // held for its ETA or parked: it never reached a pool
            control.lock();
            try {
                parked.remove(h);
            } finally {
                control.unlock();
            }
            return h.complete(TaskState.REVOKED, null, new TaskTerminatedException("task " + taskId + " was terminated"));
        }
        if (!pool.capabilities().contains(PoolCapability.TERMINATE_JOB)) {
            throw new UnsupportedOperationException("pool '" + pool.name() + "' cannot terminate a task");
        }
        return pool.terminateJob(taskId);
    }

    @Override
    public Optional<TaskHandle> task(String taskId) {
        WorkerTaskHandle h = pending.get(taskId);
        if (h != null) {
            return Optional.of(h);
        }
        return recent.get(taskId).map(r -> r);
    }

    @Override
    public Map<String, String> unavailableTasks() {
        Active a = active;
        return a == null ? Map.of() : a.pool().unavailableTasks();
    }

    @Override
    public boolean evicted(String taskId) {
        return pending.get(taskId) == null && recent.wasEvicted(taskId);
    }

    @Override
    public List<TaskHandle> tasks() {
        List<TaskHandle> all = new ArrayList<>(pending.values());
        for (WorkerTaskHandle h : recent.newestFirst()) {
            if (!pending.containsKey(h.taskId())) { // a handle between recent.add and pending.remove is listed once
                all.add(h);
            }
        }
        return all;
    }

    // ---- control -----------------------------------------------------------------------------------------

    @Override
    public List<PoolDescriptor> pools() {
        control.lock();
        try {
            Active a = active;
            List<PoolDescriptor> list = new ArrayList<>();
            for (ServiceReference<BasePool> ref : available) {
                list.add(new PoolDescriptor(PoolNames.of(ref), Boolean.TRUE.equals(ref.getProperty("pool.green")),
                        Boolean.TRUE.equals(ref.getProperty("pool.signal.safe")),
                        ref.getProperty("service.ranking") instanceof Integer r ? r : 0, bundleName(ref),
                        a != null && a.ref().equals(ref)));
            }
            return list;
        } finally {
            control.unlock();
        }
    }

    private List<String> poolNames() {
        return pools().stream().map(PoolDescriptor::name).toList();
    }

    @Override
    public Optional<String> activePool() {
        Active a = active;
        return a == null ? Optional.empty() : Optional.of(a.pool().name());
    }

    @Override
    public void use(String name, int concurrency) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("pool name must not be blank; available: " + poolNames());
        }
        if (concurrency < 0) {
            throw new IllegalArgumentException("concurrency must be >= 0 (0 = configured), was " + concurrency);
        }
        control.lock();
        try {
            ServiceReference<BasePool> target = null;
            for (ServiceReference<BasePool> ref : available) {
                if (PoolNames.of(ref).contains(name)) {
                    target = ref;
                    break;
                }
            }
            if (target == null) {
                throw new IllegalArgumentException("unknown pool '" + name + "'; available: " + poolNames());
            }
            int n = concurrency == 0 ? config.concurrency() : concurrency;
            swapTo(target, n);
            selected = name;
            selectedConcurrency = n;
            LOG.log(Level.INFO, "now using pool '" + PoolNames.of(target).get(0) + "'" + (n > 0 ? " with concurrency " + n : ""));
        } finally {
            control.unlock();
        }
    }

    private BasePool requireActive() {
        Active a = active;
        if (a == null) {
            throw new PoolUnavailableException("no pool is active; installed pools: " + poolNames());
        }
        return a.pool();
    }

    @Override
    public PoolStats stats() {
        return requireActive().stats();
    }

    @Override
    public void grow(int n) {
        BasePool pool = requireActive();
        requireCapability(pool, PoolCapability.RESIZE, "grow");
        pool.grow(n);
    }

    @Override
    public void shrink(int n) {
        BasePool pool = requireActive();
        requireCapability(pool, PoolCapability.RESIZE, "shrink");
        pool.shrink(n);
    }

    @Override
    public void restart() {
        control.lock();
        try {
            Active a = active;
            if (a == null) {
                throw new PoolUnavailableException("no pool is active; installed pools: " + poolNames());
            }
            if (a.pool().capabilities().contains(PoolCapability.RESTART)) {
                a.pool().restart();
            } else {
                swapTo(a.ref(), a.pool().stats().concurrency()); // a fresh instance of the same pool
            }
        } finally {
            control.unlock();
        }
    }

    private static void requireCapability(BasePool pool, PoolCapability capability, String operation) {
        if (!pool.capabilities().contains(capability)) {
            throw new UnsupportedOperationException("pool '" + pool.name() + "' does not support " + operation
                    + " (it supports " + pool.capabilities() + ")");
        }
    }
}
