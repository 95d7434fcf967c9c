package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.celeriac.broker.celery.CeleryError;
import org.celeriac.broker.celery.Json;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.broker.celery.MessageFormatException;
import org.celeriac.broker.celery.ResultMeta;
import org.celeriac.broker.celery.UnackedEntry;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ZAddParams;

/**
 * The visibility-timeout housekeeping, run periodically off the consumer thread.
 *
 * <ul>
 *   <li>{@link #refresh()} re-stamps the messages this worker holds, so a task that runs longer than the
 *       visibility timeout is not restored and run a second time elsewhere (kombu does not do this: Celery's
 *       long tasks are redelivered in a loop when they outlast the timeout).</li>
 *   <li>{@link #restore()} puts back the messages of workers that died holding them, once they are older than
 *       the visibility timeout — as kombu's {@code restore_visible} does, on the same keys, so Celeriac and
 *       Python workers rescue each other's messages. Each restore is an atomic compare-and-set.</li>
 * </ul>
 */
final class Keeper {
    private static final Logger LOG = System.getLogger(Keeper.class.getName());
    private static final int RESTORE_BATCH = 100;

    /**
     * What to do with a message whose workers keep dying: after {@code maxRedeliveries} restores it is not
     * put back again but failed ({@code WorkerLostError}), its result stored as any other (DESIGN §8.3).
     *
     * @param backend a separate result backend, or {@code null} for the broker's Redis
     */
    record Abandonment(int maxRedeliveries, boolean storeResults, SeparateBackend backend, long resultExpiresSeconds) {
    }

    private final JedisPool pool;
    private final InFlight inFlight;
    private final Counters counters;
    private final double visibilityTimeoutSeconds;
    private final Abandonment abandonment;

    Keeper(JedisPool pool, InFlight inFlight, Counters counters, double visibilityTimeoutSeconds, Abandonment abandonment) {
        this.pool = pool;
        this.inFlight = inFlight;
        this.counters = counters;
        this.visibilityTimeoutSeconds = visibilityTimeoutSeconds;
        this.abandonment = abandonment;
    }

    /** Marks every held message as taken now (only those still recorded: {@code ZADD XX}). */
    void refresh() {
        List<String> tags = inFlight.tags();
        if (tags.isEmpty()) {
            return;
        }
        long now = RedisKeys.indexScoreNow();
        try (Jedis jedis = pool.getResource()) {
            Pipeline p = jedis.pipelined();
            List<Response<Long>> replies = new ArrayList<>(tags.size());
            for (String tag : tags) {
                replies.add(p.zadd(RedisKeys.UNACKED_INDEX, now, tag, ZAddParams.zAddParams().xx()));
            }
            p.sync();
            try {
                replies.forEach(Response::get); // nothing to learn from them but that they are in step
            } catch (ClassCastException e) {
                throw OutOfStep.discard(jedis, "ZADD's counts", e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot refresh " + tags.size() + " held messages in Redis: " + e);
        }
    }

    /** Restores every message older than the visibility timeout. @return how many were restored */
    int restore() {
        int restored = 0;
        try (Jedis jedis = pool.getResource()) {
            try {
                for (;;) {
                    double cutoff = System.currentTimeMillis() / 1000.0 - visibilityTimeoutSeconds;
                    List<String> stale = jedis.zrangeByScore(RedisKeys.UNACKED_INDEX, Double.NEGATIVE_INFINITY, cutoff, 0,
                            RESTORE_BATCH);
                    for (String tag : stale) {
                        if (restore(jedis, tag, cutoff)) {
                            restored++;
                        }
                    }
                    if (stale.size() < RESTORE_BATCH) {
                        break;
                    }
                }
            } catch (ClassCastException e) {
                // A reply of another command's type: acting on it (a tag, an entry) would restore the wrong message.
                throw OutOfStep.discard(jedis, "the reply of the command sent", e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot restore unacknowledged messages from Redis: " + e);
        }
        if (restored > 0) {
            counters.restored.add(restored);
            LOG.log(Level.INFO, "restored " + restored + " messages whose worker stopped acknowledging them for "
                    + visibilityTimeoutSeconds + " s");
        }
        return restored;
    }

    private boolean restore(Jedis jedis, String tag, double cutoff) {
        String entry = jedis.hget(RedisKeys.UNACKED, tag);
        if (entry == null) {
            jedis.zrem(RedisKeys.UNACKED_INDEX, tag); // acknowledged meanwhile, or an orphaned index entry
            return false;
        }
        UnackedEntry parsed;
        try {
            parsed = UnackedEntry.parse(entry);
        } catch (MessageFormatException ex) {
            LOG.log(Level.ERROR, "unacknowledged entry " + tag + " is unreadable (" + ex.getMessage() + "); removed: "
                    + Json.abbreviate(entry));
            jedis.hdel(RedisKeys.UNACKED, tag);
            jedis.zrem(RedisKeys.UNACKED_INDEX, tag);
            return false;
        }
        KombuMessage message = parsed.message();
        if (message.restores() >= abandonment.maxRedeliveries()) {
            return abandon(jedis, tag, entry, cutoff, message);
        }
        List<String> keys = new ArrayList<>(List.of(RedisKeys.UNACKED, RedisKeys.UNACKED_INDEX));
        for (String queue : lookup(jedis, parsed.exchange(), parsed.routingKey())) {
            keys.add(RedisKeys.priorityKey(queue, message.priority()));
        }
        Object done = Scripts.RESTORE.run(jedis, keys, List.of(tag, entry, Double.toString(cutoff), message.asRedelivered()));
        return Long.valueOf(1).equals(done);
    }

    /** Fails a message that was restored {@code max.redeliveries} times instead of restoring it again. @return false */
    private boolean abandon(Jedis jedis, String tag, String entry, double cutoff, KombuMessage message) {
        String taskId = message.taskId();
        String name = message.taskName() == null ? "?" : message.taskName();
        String meta = abandonment.storeResults() && taskId != null
                ? ResultMeta.failure(taskId, CeleryError.workerLostRepeatedly(name, message.restores()), Instant.now()) : "";
        boolean inBroker = abandonment.backend() == null;
        Object done = Scripts.ABANDON.run(jedis, List.of(RedisKeys.UNACKED, RedisKeys.UNACKED_INDEX, ResultMeta.KEY_PREFIX + taskId),
                List.of(tag, entry, Double.toString(cutoff), inBroker ? meta : "", Long.toString(abandonment.resultExpiresSeconds())));
        if (!Long.valueOf(1).equals(done)) {
            return false;
        }
        LOG.log(Level.ERROR, "task " + name + "[" + taskId + "] lost its worker " + message.restores() + " times; failed "
                + "with WorkerLostError instead of being redelivered again (max.redeliveries)");
        if (!inBroker && !meta.isEmpty()) {
            abandonment.backend().store(List.of(new Acknowledger.Write(ResultMeta.KEY_PREFIX + taskId, meta)));
        }
        return false;
    }

    /** The queues a message routed by ({@code exchange}, {@code routingKey}) goes to: kombu's direct-exchange lookup. */
    private static Set<String> lookup(Jedis jedis, String exchange, String routingKey) {
        Set<String> queues = exchange.isEmpty() ? new LinkedHashSet<>()
                : RedisKeys.boundQueues(jedis.smembers(RedisKeys.BINDING_PREFIX + exchange), routingKey);
        if (queues.isEmpty() && routingKey != null) {
            queues.add(routingKey); // the default exchange routes by queue name
        }
        return queues;
    }
}
