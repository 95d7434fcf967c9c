package org.celeriac.http.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import org.celeriac.pool.api.PoolEvents;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRetryException;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.BrokerStats;
import org.celeriac.worker.api.Worker;
import org.celeriac.worker.api.WorkerObserver;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventHandler;

/**
 * What the worker does, counted: Prometheus metrics (in a registry of its own, with the conventional names
 * and labels) and the dashboard's recent history (tasks per second, run-time percentiles, pool swaps and
 * children's comings and goings). Fed by the worker ({@link WorkerObserver}) and the pools' lifecycle
 * events (Event Admin); gauges read the worker's and the brokers' own figures when scraped.
 */
@Component(service = {WorkerMetrics.class, WorkerObserver.class, EventHandler.class},
        property = "event.topics=org/celeriac/pool/*")
public final class WorkerMetrics implements WorkerObserver, EventHandler {
    /** Seconds of history the dashboard's chart can show. */
    public static final int HISTORY_SECONDS = 600;
    private static final int EVENTS_KEPT = 50;
    static final int MAX_TASK_NAMES = 500;

    private final Worker worker;
    private final List<Broker> brokers = new CopyOnWriteArrayList<>();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Throughput throughput = new Throughput(HISTORY_SECONDS);
    private final RunTimes runTimes = new RunTimes(4096);
    private final Deque<PoolEvent> events = new ArrayDeque<>();
    private volatile String activePool = "none";
    private final java.util.Set<String> taskNames = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Counter received;
    private final Counter succeeded;
    private final Counter failed;
    private final Counter retried;
    private final Histogram runtime;
    private final Counter swaps;
    private final Counter childrenStarted;
    private final Counter childrenLost;
    private final Counter childrenRecycled;

    /** A pool or child event the dashboard lists and marks on its chart. */
    public record PoolEvent(long epochMillis, String kind, String pool, String detail) {
    }

    @Activate
    public WorkerMetrics(@Reference Worker worker) {
        this.worker = worker;
        received = counter("celeriac_tasks_received", "Tasks the worker accepted", "task", "pool");
        succeeded = counter("celeriac_tasks_succeeded", "Tasks that returned a result", "task", "pool");
        failed = counter("celeriac_tasks_failed", "Tasks that failed: raised, timed out, were terminated or lost their worker", "task", "pool");
        retried = counter("celeriac_tasks_retried", "Tasks that asked to be retried (a failure counted apart)", "task", "pool");
        runtime = Histogram.builder().name("celeriac_task_runtime_seconds").help("Time from a task's start on a worker to its end")
                .labelNames("task", "pool").unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
                .classicOnly().classicUpperBounds(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300)
                .withoutExemplars().register(registry);
        swaps = counter("celeriac_pool_swaps", "Changes of the active pool: hot-swaps, restarts by swap and failovers", "from", "to");
        childrenStarted = counter("celeriac_pool_workers_started", "Pool workers (prefork: child processes) that came up", "pool");
        childrenLost = counter("celeriac_pool_workers_lost", "Pool workers that died (prefork: a child killed, crashed or out of memory)", "pool", "cause");
        childrenRecycled = counter("celeriac_pool_workers_recycled", "Pool workers retired in order", "pool", "cause");
        GaugeWithCallback.builder().name("celeriac_tasks_queued").help("Tasks accepted by the active pool and waiting for a worker")
                .labelNames("pool").callback(cb -> stats().ifPresent(s -> cb.call(s.queued(), s.pool()))).register(registry);
        GaugeWithCallback.builder().name("celeriac_tasks_active").help("Tasks running now on the active pool")
                .labelNames("pool").callback(cb -> stats().ifPresent(s -> cb.call(s.active(), s.pool()))).register(registry);
        GaugeWithCallback.builder().name("celeriac_pool_concurrency").help("Workers of the active pool")
                .labelNames("pool").callback(cb -> stats().ifPresent(s -> cb.call(s.concurrency(), s.pool()))).register(registry);
        GaugeWithCallback.builder().name("celeriac_pool_worker_resident_memory_bytes")
                .help("Resident memory of each pool worker that has its own (prefork: each child process)")
                .labelNames("pool", "worker").callback(cb -> stats().ifPresent(s -> {
                    for (WorkerInfo w : s.workers()) {
                        if (w.memoryBytes() >= 0) {
                            cb.call(w.memoryBytes(), s.pool(), w.id());
                        }
                    }
                })).register(registry);
        brokerCounter("received", "Messages taken from the queues", BrokerStats::received);
        brokerCounter("acknowledged", "Messages acknowledged once their task finished (or was refused)", BrokerStats::acknowledged);
        brokerCounter("requeued", "Messages handed back to the queue unrun", BrokerStats::requeued);
        brokerCounter("restored", "Unacknowledged messages of lost consumers put back", BrokerStats::restored);
        brokerCounter("rejected", "Messages refused as bad input", BrokerStats::rejected);
        GaugeWithCallback.builder().name("celeriac_broker_connected").help("1 while the broker connection works")
                .labelNames("broker").callback(cb -> brokers.forEach(b -> cb.call(b.stats().connected() ? 1 : 0, b.url()))).register(registry);
        GaugeWithCallback.builder().name("celeriac_broker_messages_in_flight").help("Messages taken and not yet acknowledged")
                .labelNames("broker").callback(cb -> brokers.forEach(b -> cb.call(b.stats().inFlight(), b.url()))).register(registry);
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).withoutExemplars().register(registry);
    }

    private void brokerCounter(String what, String help, ToDoubleFunction<BrokerStats> value) {
        CounterWithCallback.builder().name("celeriac_broker_messages_" + what).help(help).labelNames("broker")
                .callback(cb -> brokers.forEach(b -> cb.call(value.applyAsDouble(b.stats()), b.url()))).register(registry);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindBroker(Broker broker) {
        brokers.add(broker);
    }

    void unbindBroker(Broker broker) {
        brokers.remove(broker);
    }

    private java.util.Optional<PoolStats> stats() {
        try {
            return java.util.Optional.of(worker.stats());
        } catch (RuntimeException noPool) {
            return java.util.Optional.empty();
        }
    }

    // ---- WorkerObserver ----------------------------------------------------------------------------------

    /**
     * The task label: the task's name, but at most {@value #MAX_TASK_NAMES} names, then {@code other}. Names
     * come from whoever sends tasks (a broker's messages, unknown tasks included): without a bound, a sender
     * of random names would grow the registry, and every scrape, without end.
     */
    private String taskLabel(TaskHandle task) {
        String name = task.request().name();
        if (taskNames.contains(name)) {
            return name;
        }
        if (taskNames.size() >= MAX_TASK_NAMES) {
            return "other";
        }
        taskNames.add(name);
        return name;
    }

    @Override
    public void taskReceived(TaskHandle task) {
        received.labelValues(taskLabel(task), activePool).inc();
    }

    @Override
    public void taskFinished(TaskHandle task, String pool, long runNanos, Throwable error) {
        String name = taskLabel(task);
        String p = pool == null ? "none" : pool;
        if (error == null) {
            succeeded.labelValues(name, p).inc();
        } else if (error instanceof TaskRetryException) {
            retried.labelValues(name, p).inc();
        } else {
            failed.labelValues(name, p).inc();
        }
        if (runNanos >= 0) {
            runtime.labelValues(name, p).observe(runNanos / 1e9);
            runTimes.record(runNanos);
        }
        throughput.record(error == null, System.currentTimeMillis() / 1000);
    }

    @Override
    public void poolActivated(String pool, String previous) {
        activePool = pool;
        if (previous != null) {
            swaps.labelValues(previous, pool).inc();
        }
        remember(new PoolEvent(System.currentTimeMillis(), previous == null ? "pool-started" : "pool-swapped", pool,
                previous == null ? "" : "from " + previous));
    }

    // ---- pool events -------------------------------------------------------------------------------------

    @Override
    public void handleEvent(Event event) {
        String pool = String.valueOf(event.getProperty(PoolEvents.POOL));
        String worker = String.valueOf(event.getProperty(PoolEvents.WORKER));
        switch (event.getTopic()) {
            case PoolEvents.TOPIC_WORKER_UP -> {
                childrenStarted.labelValues(pool).inc();
                remember(new PoolEvent(System.currentTimeMillis(), "worker-up", pool, worker));
            }
            case PoolEvents.TOPIC_WORKER_LOST -> {
                String why = String.valueOf(event.getProperty(PoolEvents.ERROR));
                childrenLost.labelValues(pool, LossCause.of(why)).inc();
                remember(new PoolEvent(System.currentTimeMillis(), "worker-lost", pool, worker + ": " + why));
            }
            case PoolEvents.TOPIC_WORKER_RETIRED -> {
                Object reason = event.getProperty(PoolEvents.REASON);
                String cause = reason == null ? "retired" : reason.toString();
                childrenRecycled.labelValues(pool, cause).inc();
                remember(new PoolEvent(System.currentTimeMillis(), "worker-recycled", pool, worker + ": " + cause));
            }
            default -> {
                // pool STARTED/STOPPED: the worker's poolActivated says what matters
            }
        }
    }

    private void remember(PoolEvent e) {
        synchronized (events) {
            events.addFirst(e);
            if (events.size() > EVENTS_KEPT) {
                events.removeLast();
            }
        }
    }

    // ---- readers -----------------------------------------------------------------------------------------

    public PrometheusRegistry registry() {
        return registry;
    }

    public Throughput throughput() {
        return throughput;
    }

    public RunTimes runTimes() {
        return runTimes;
    }

    /** Recent pool and worker events, newest first. */
    public List<PoolEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    public List<Broker> brokers() {
        return List.copyOf(brokers);
    }
}
