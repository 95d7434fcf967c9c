package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.celeriac.broker.celery.CeleryEvent;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Celery's monitoring events over kombu's Redis transport, on its own thread: {@code worker-online},
 * {@code worker-heartbeat} every {@value #HEARTBEAT_SECONDS} s and {@code worker-offline} always (Celery sends
 * worker events unless gossip and heartbeats are off), task events only when asked ({@code -E}).
 *
 * <p>Over Redis, Celery makes its {@code celeryev} exchange a fan-out (celery/events/event.py, "quick hack
 * for Issue #436"), which kombu maps to pub/sub: an event is {@code PUBLISH}ed on
 * {@code /<db>.celeryev/<routing key>}, and receivers ({@code celery events}, Flower) subscribe by pattern.
 * With no receiver an event costs one publish to nobody. Events are best effort, as in Celery: one that
 * cannot be delivered is dropped with a warning, never retried ahead of the tasks.
 */
final class EventDispatcher implements Runnable {
    static final double HEARTBEAT_SECONDS = 2.0;
    private static final Logger LOG = System.getLogger(EventDispatcher.class.getName());
    private static final int MAX_QUEUED = 100_000;

    private final JedisPool pool;
    private final String channelPrefix;
    private final String hostname;
    private final Supplier<Map<String, Object>> workerFields;
    private final AtomicLong clock = new AtomicLong();
    private final LinkedBlockingQueue<CeleryEvent> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
    private volatile boolean running = true;

    /** @param workerFields {@code active} and {@code processed} now, for heartbeats */
    EventDispatcher(JedisPool pool, int db, String hostname, Supplier<Map<String, Object>> workerFields) {
        this.pool = pool;
        this.channelPrefix = "/" + db + "." + CeleryEvent.EXCHANGE + "/";
        this.hostname = hostname;
        this.workerFields = workerFields;
    }

    /** Queues an event of {@code type} with {@code fields}; never blocks (a full queue drops it). */
    void send(String type, Map<String, Object> fields) {
        if (!queue.offer(CeleryEvent.of(type, hostname, clock.incrementAndGet(), fields))) {
            LOG.log(Level.WARNING, "event queue full: dropped " + type);
        }
    }

    /** A {@code worker-heartbeat} now, out of turn (Celery's {@code control heartbeat}). */
    void heartbeat() {
        send("worker-heartbeat", worker());
    }

    /** The logical clock of this worker's events (Celery's {@code inspect clock}). */
    long clock() {
        return clock.get();
    }

    /** Sends {@code worker-offline} and returns from {@link #run()} once it is out. */
    void stop() {
        running = false;
    }

    @Override
    public void run() {
        send("worker-online", worker());
        long nextBeat = System.nanoTime();
        List<CeleryEvent> batch = new ArrayList<>();
        try {
            while (running) {
                long wait = nextBeat - System.nanoTime();
                CeleryEvent first = queue.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, 1023);
                }
                if (System.nanoTime() - nextBeat >= 0) {
                    batch.add(CeleryEvent.of("worker-heartbeat", hostname, clock.incrementAndGet(), worker()));
                    nextBeat = System.nanoTime() + (long) (HEARTBEAT_SECONDS * 1e9);
                }
                deliver(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.drainTo(batch);
        batch.add(CeleryEvent.of("worker-offline", hostname, clock.incrementAndGet(), worker()));
        deliver(batch);
    }

    private Map<String, Object> worker() {
        Map<String, Object> fields = new java.util.LinkedHashMap<>(workerFields.get());
        fields.put("freq", HEARTBEAT_SECONDS);
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        fields.put("loadavg", loadAverages(os));
        fields.put("sw_ident", "celeriac");
        fields.put("sw_ver", "0.1.0");
        fields.put("sw_sys", os.getName());
        return fields;
    }

    /** The 1, 5 and 15 minute load averages as Celery reports them; Linux has all three, the JDK only the first. */
    private static List<Double> loadAverages(OperatingSystemMXBean os) {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
            return List.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
        } catch (java.io.IOException | RuntimeException notLinux) {
            double load = Math.max(0, os.getSystemLoadAverage());
            return List.of(load, load, load);
        }
    }

    private void deliver(List<CeleryEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        try (Jedis jedis = pool.getResource()) {
            Pipeline p = jedis.pipelined();
            for (CeleryEvent e : events) {
                p.publish(channelPrefix + e.routingKey(), e.envelope());
            }
            p.sync();
        } catch (JedisException e) {
            LOG.log(Level.WARNING, "dropped " + events.size() + " monitoring events: " + e);
        }
    }
}
