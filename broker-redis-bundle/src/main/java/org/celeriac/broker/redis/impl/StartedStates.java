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
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * Celery's {@code task_track_started}: when a pool starts a task this broker handed over
 * ({@code TaskHandle.started()}), its result becomes {@code STARTED} with the worker's id. Written on its
 * own thread (the start is heard on the pool's thread, which must not wait for Redis), and only over nothing
 * or an earlier {@code RETRY}: the outcome is written by the acknowledger, which may get there first, and a
 * start written after it must never hide it.
 */
final class StartedStates {
    private static final Logger LOG = System.getLogger(StartedStates.class.getName());

    private final JedisPool results;
    private final String nodeName;
    private final long resultExpiresSeconds;
    private final ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(10_000), r -> {
                Thread t = new Thread(r, "celeriac-redis-started");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

    /** @param results the Redis that holds results (the broker's, or a separate backend) */
    StartedStates(JedisPool results, String nodeName, long resultExpiresSeconds) {
        this.results = results;
        this.nodeName = nodeName;
        this.resultExpiresSeconds = resultExpiresSeconds;
    }

    /** Task {@code taskId} started on {@code worker}. Never blocks. */
    void started(String taskId, String worker) {
        writer.execute(() -> mark(taskId, worker));
    }

    private void mark(String taskId, String worker) {
        String meta = ResultMeta.started(taskId, Map.of("hostname", nodeName, "pid", String.valueOf(worker)), Instant.now());
        try (Jedis jedis = results.getResource()) {
            Scripts.MARK_STARTED.run(jedis, List.of(ResultMeta.KEY_PREFIX + taskId), List.of(meta, Long.toString(resultExpiresSeconds)));
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "cannot mark task " + taskId + " STARTED: " + e);
        }
    }

    void stop() {
        writer.shutdownNow();
    }
}
