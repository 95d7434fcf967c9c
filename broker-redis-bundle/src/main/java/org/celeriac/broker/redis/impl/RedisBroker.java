package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.celeriac.broker.celery.TaskMessageDecoder;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRegistry;
import org.celeriac.pool.api.TaskState;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.BrokerStats;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * The Redis broker: consumes Celery task messages from Redis queues and runs them on the {@link Worker},
 * with Celery's late acknowledgement and kombu's visibility timeout, stores results as Celery's Redis result
 * backend does, and answers remote control. Runs only while its configuration
 * ({@value RedisBrokerConfig#PID}) exists.
 *
 * <h2>Life of a message</h2>
 * <pre>
 *   queue ──pop+record (atomic)──▶ held ──task done──▶ result stored + acknowledged (atomic)
 *                                   │  └─no pool / shutdown before start──▶ put back at the head of its queue
 *                                   └─worker dies──▶ restored by any worker after the visibility timeout
 * </pre>
 * A held message is re-stamped while its task runs, so only a dead worker's messages are restored.
 *
 * <h2>Stopping</h2>
 * Take nothing more; put back the held messages whose tasks have not started; let running tasks finish for
 * up to {@code shutdown.grace} seconds and acknowledge them; put back whatever still runs (its late result is
 * then discarded, the copy that runs elsewhere reports it).
 */
@Component(service = Broker.class, immediate = true, configurationPid = RedisBrokerConfig.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = Broker.NAME_PROPERTY + "=redis")
@Designate(ocd = RedisBrokerConfig.class)
public final class RedisBroker implements Broker {
    private static final Logger LOG = System.getLogger(RedisBroker.class.getName());

    private final Worker worker;
    private final BrokerSettings settings;
    private final JedisPool pool;
    private final SeparateBackend backend;
    private final Counters counters = new Counters();
    private final RetryPolicies retryPolicies = new RetryPolicies();
    private final RateLimits rateLimits = new RateLimits();
    /** The queues consumed now: the configured ones, changed at run time by add_consumer / cancel_consumer. */
    private volatile List<String> queues;
    private final InFlight inFlight;
    private final Acknowledger acknowledger;
    private final Consumer consumer;
    private final Pidbox pidbox;
    private final EventDispatcher events;
    private final StartedStates startedStates;
    private final ScheduledExecutorService housekeeping;
    private final Thread consumerThread;
    private final Thread dispatchThread;
    private final Thread acknowledgerThread;
    private final Thread pidboxThread;
    private final Thread eventsThread;
    private volatile int concurrencySeen = 1;
    private volatile long concurrencyReadAt;

    @Activate
    public RedisBroker(@Reference Worker worker,
                       @Reference(cardinality = ReferenceCardinality.OPTIONAL) TaskRegistry registry,
                       BundleContext context, RedisBrokerConfig config) {
        this.worker = worker;
        this.settings = BrokerSettings.of(config);
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(8);
        poolConfig.setJmxEnabled(false);
        this.pool = new JedisPool(poolConfig, settings.uri(), 10_000);
        ResultBackend results = settings.results();
        this.backend = results.separate() ? new SeparateBackend(results.uri(), poolConfig, settings.resultExpiresSeconds()) : null;
        this.inFlight = new InFlight(this::prefetchLimit);
        this.acknowledger = new Acknowledger(pool, backend, inFlight, counters, settings.resultExpiresSeconds());
        RevokedTasks revoked = new RevokedTasks();
        this.events = new EventDispatcher(pool, settings.database(), settings.nodeName(), () -> Map.of(
                "active", inFlight.size(), "processed", counters.acknowledged.sum()));
        TaskEvents taskEvents = new TaskEvents(events, settings.taskEvents());
        boolean track = settings.trackStarted() && results.enabled();
        JedisPool resultsPool = backend != null ? backend.pool() : pool; // where results, STARTED and chords live
        this.startedStates = track ? new StartedStates(resultsPool,
                settings.nodeName(), settings.resultExpiresSeconds()) : null;
        TaskTimeLimits limits = new TaskTimeLimits();
        Dispatcher dispatcher = new Dispatcher(inFlight, acknowledger, worker, new TaskMessageDecoder(settings.maxMessageBytes()),
                revoked, counters, results.enabled(), taskEvents, startedStates, retryPolicies, limits, rateLimits,
                results.enabled() ? new ChordJoin(resultsPool, settings.resultExpiresSeconds()) : null,
                settings.nodeName(), settings.resultExtended());
        this.queues = settings.queues();
        this.consumer = new Consumer(pool, RedisKeys.queueKeys(queues), settings.pollInterval(), inFlight,
                dispatcher, counters);
        ControlCommands commands = new ControlCommands(worker, () -> registry, this::consume,
                new InspectReplies(worker, this, counters, inFlight, settings), revoked, taskEvents, events, limits, rateLimits,
                () -> stopFramework(context));
        this.pidbox = new Pidbox(pool, settings.database(), settings.nodeName(), commands);
        double visibility = settings.visibilitySeconds();
        Keeper keeper = new Keeper(pool, inFlight, counters, visibility, new Keeper.Abandonment(settings.maxRedeliveries(),
                results.enabled(), backend, settings.resultExpiresSeconds()));
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "celeriac-redis-housekeeping"));
        long refreshMs = clampMillis(visibility / 3, 500, 60_000);
        long restoreMs = clampMillis(visibility / 2, 500, 10_000);
        housekeeping.scheduleWithFixedDelay(keeper::refresh, refreshMs, refreshMs, TimeUnit.MILLISECONDS);
        housekeeping.scheduleWithFixedDelay(keeper::restore, 0, restoreMs, TimeUnit.MILLISECONDS);
        this.acknowledgerThread = daemon(acknowledger, "celeriac-redis-ack");
        this.consumerThread = daemon(consumer, "celeriac-redis-consumer");
        this.dispatchThread = daemon(consumer::dispatchLoop, "celeriac-redis-dispatch");
        this.pidboxThread = daemon(pidbox, "celeriac-redis-pidbox");
        this.eventsThread = daemon(events, "celeriac-redis-events");
        declareBindings(queues);
        acknowledgerThread.start();
        consumerThread.start();
        dispatchThread.start();
        pidboxThread.start();
        eventsThread.start();
        LOG.log(Level.INFO, "consuming " + settings.queues() + " from " + url() + " as " + settings.nodeName() + " (prefetch "
                + settings.prefetchMultiplier() + " x concurrency, visibility timeout " + visibility + " s)");
    }

    /** Tasks come and go; their retry settings ({@code task.autoretry.for}, …) with them. */
    @Reference(service = Task.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindTask(Map<String, Object> properties) {
        retryPolicies.add(properties);
        if (properties.get(RateLimits.PROPERTY) instanceof String rate) {
            for (String name : Task.namesOf(properties.get(Task.NAME_PROPERTY))) {
                try {
                    rateLimits.set(name, rate);
                } catch (IllegalArgumentException e) {
                    LOG.log(Level.ERROR, "task " + name + ": " + e.getMessage() + "; it runs without a rate limit");
                }
            }
        }
    }

    void unbindTask(Map<String, Object> properties) {
        retryPolicies.remove(properties);
        if (properties.get(RateLimits.PROPERTY) != null) {
            Task.namesOf(properties.get(Task.NAME_PROPERTY)).forEach(name -> rateLimits.set(name, null));
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        consumer.stop();
        pidbox.stop();
        consumerThread.join(5_000);
        dispatchThread.join(5_000);
        for (Delivery d : inFlight.snapshot()) {
            TaskHandle h = d.handle();
            if (h != null && h.state() == TaskState.PENDING) {
                putBackUnstarted(d, h);
            }
        }
        if (!inFlight.awaitEmpty(settings.shutdownGrace())) {
            List<Delivery> cutOff = inFlight.snapshot();
            LOG.log(Level.WARNING, cutOff.size() + " tasks still ran after " + settings.shutdownGrace().toSeconds()
                    + " s: their messages go back to the queue, to run again elsewhere");
            cutOff.forEach(acknowledger::requeue);
        }
        acknowledger.stop();
        acknowledgerThread.join(10_000);
        if (startedStates != null) {
            startedStates.stop();
        }
        events.stop();
        eventsThread.join(5_000);
        housekeeping.shutdownNow();
        pidboxThread.join(2_000);
        pool.close();
        if (backend != null) {
            backend.close();
        }
        LOG.log(Level.INFO, "stopped consuming " + settings.queues() + " from " + url());
    }

    /** A task the worker holds but has not started goes back to the queue, Celery's warm shutdown. */
    private void putBackUnstarted(Delivery d, TaskHandle h) {
        if (!acknowledger.requeue(d)) {
            return; // finished meanwhile
        }
        try {
            h.terminate(); // if it started meanwhile after all, its result is dropped: the requeued copy reports
        } catch (UnsupportedOperationException e) {
            LOG.log(Level.WARNING, "pool cannot withdraw task " + h.taskId() + ": it may run here and again elsewhere");
        }
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String url() {
        return settings.maskedUrl();
    }

    @Override
    public List<String> queues() {
        return queues;
    }

    /**
     * Celery's {@code add_consumer} / {@code cancel_consumer}: consumes {@code queue} from now on, or no longer.
     *
     * @return whether the consumed queues changed
     */
    synchronized boolean consume(String queue, boolean on) {
        List<String> next = new java.util.ArrayList<>(queues);
        boolean changed = on ? !next.contains(queue) && next.add(queue) : next.remove(queue);
        if (changed) {
            queues = List.copyOf(next);
            consumer.queues(RedisKeys.queueKeys(queues));
            if (on) {
                declareBindings(List.of(queue));
            }
            LOG.log(Level.INFO, (on ? "now consuming " : "no longer consuming ") + queue + "; queues " + queues);
        }
        return changed;
    }

    @Override
    public String nodeName() {
        return settings.nodeName();
    }

    @Override
    public BrokerStats stats() {
        return new BrokerStats(counters.connected, counters.received.sum(), counters.acknowledged.sum(),
                counters.requeued.sum(), counters.restored.sum(), counters.rejected.sum(), inFlight.size(), prefetchLimit());
    }

    /** Celery's prefetch count: multiplier × the active pool's concurrency (read at most once a second). */
    private int prefetchLimit() {
        long now = System.nanoTime();
        if (now - concurrencyReadAt > 1_000_000_000L) {
            concurrencyReadAt = now;
            try {
                PoolStats s = worker.stats();
                // Autoscaling: sized on the most workers, or a pool at MIN would never see enough tasks to grow
                // (Celery's autoscaler stalls that way with a low prefetch, celery/celery#4003).
                concurrencySeen = Math.max(1, Math.max(s.concurrency(), worker.autoscale().max()));
            } catch (RuntimeException noPoolNow) {
                // keep the last known concurrency: the worker parks tasks until a pool is back
            }
        }
        return settings.prefetchMultiplier() * concurrencySeen;
    }

    /** Binds each queue to its same-named exchange, as a Celery worker declares its queues. */
    private void declareBindings(List<String> declared) {
        try (Jedis jedis = pool.getResource()) {
            for (String q : declared) {
                jedis.sadd(RedisKeys.BINDING_PREFIX + q, RedisKeys.binding(q, q));
            }
            counters.connected = true;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Redis at " + url() + " is not reachable yet (the consumer keeps trying): " + e);
        }
    }

    private static void stopFramework(BundleContext context) {
        Thread t = new Thread(() -> {
            try {
                context.getBundle(0).stop();
            } catch (BundleException | IllegalStateException e) {
                LOG.log(Level.ERROR, "remote shutdown failed", e);
            }
        }, "celeriac-remote-shutdown");
        t.start();
    }

    private static long clampMillis(double seconds, long min, long max) {
        return Math.max(min, Math.min(max, (long) (seconds * 1000)));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
