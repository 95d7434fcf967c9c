package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.celeriac.broker.celery.ResultMeta;
import org.celeriac.pool.api.PoolEvents;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventHandler;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * Celery's {@code task_track_started}: when a pool starts a task this broker handed over (the pools'
 * {@link PoolEvents#TOPIC_TASK_PRERUN} on Event Admin, posted when the worker's {@code task.events} is on),
 * its result becomes {@code STARTED} with the worker's id. Written on its own thread (Event Admin handlers
 * must not block), and only over nothing or an earlier {@code RETRY}: a start that arrives after the
 * outcome never hides it.
 */
final class StartedStates implements EventHandler {
    private static final Logger LOG = System.getLogger(StartedStates.class.getName());

    private final JedisPool results;
    private final InFlight inFlight;
    private final String nodeName;
    private final long resultExpiresSeconds;
    private final ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(10_000), r -> {
                Thread t = new Thread(r, "celeriac-redis-started");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

    /** @param results the Redis that holds results (the broker's, or a separate backend) */
    StartedStates(JedisPool results, InFlight inFlight, String nodeName, long resultExpiresSeconds) {
        this.results = results;
        this.inFlight = inFlight;
        this.nodeName = nodeName;
        this.resultExpiresSeconds = resultExpiresSeconds;
    }

    @Override
    public void handleEvent(Event event) {
        if (event.getProperty(PoolEvents.TASK_ID) instanceof String taskId && inFlight.holdsTask(taskId)) {
            Object worker = event.getProperty(PoolEvents.WORKER);
            writer.execute(() -> mark(taskId, worker));
        }
    }

    private void mark(String taskId, Object worker) {
        String meta = ResultMeta.started(taskId, Map.of("hostname", nodeName, "pid", String.valueOf(worker)), Instant.now());
        try (Jedis jedis = results.getResource()) {
            jedis.eval(Scripts.MARK_STARTED, List.of(ResultMeta.KEY_PREFIX + taskId), List.of(meta, Long.toString(resultExpiresSeconds)));
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "cannot mark task " + taskId + " STARTED: " + e);
        }
    }

    void stop() {
        writer.shutdownNow();
    }
}
