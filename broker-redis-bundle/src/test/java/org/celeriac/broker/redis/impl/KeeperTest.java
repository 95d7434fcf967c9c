package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The visibility-timeout housekeeping against a real {@code redis-server}. */
class KeeperTest extends RealRedisTest {
    private static final int MAX_REDELIVERIES = 3;

    private Keeper keeper(InFlight inFlight) {
        return new Keeper(pool, inFlight, new Counters(), 60, new Keeper.Abandonment(MAX_REDELIVERIES, true, null, 86_400));
    }

    /** A message of task {@code id} at {@code priority}, restored {@code restores} times before. */
    private static String envelope(String id, int priority, int restores) throws Exception {
        String raw = MessageEncoder.task(TaskRequest.builder("add").id(id).args(List.of(1, 2)).build(), "celery", priority);
        for (int i = 0; i < restores; i++) {
            raw = KombuMessage.parse(raw).asRedelivered();
        }
        return raw;
    }

    /** Records {@code raw} as taken from {@code queue} by a worker at {@code takenAt} (seconds since 1970). */
    private void heldSince(String tag, String raw, String queue, long takenAt) {
        try (Jedis jedis = pool.getResource()) {
            jedis.hset(RedisKeys.UNACKED, tag, "[" + raw + ",\"\",\"" + queue + "\"]");
            jedis.zadd(RedisKeys.UNACKED_INDEX, takenAt, tag);
        }
    }

    @Test
    void restoresALostMessageToItsQueueAtItsPriorityMarkedRedelivered() throws Exception {
        heldSince("lost", envelope("t-9", 9, 0), "celery", 1);
        assertEquals(1, keeper(new InFlight(() -> 10)).restore());
        try (Jedis jedis = pool.getResource()) {
            List<String> back = jedis.lrange(RedisKeys.priorityKey("celery", 9), 0, -1);
            assertEquals(1, back.size(), "restored to the priority-9 key of its queue");
            KombuMessage m = KombuMessage.parse(back.get(0));
            assertEquals("t-9", m.taskId());
            assertTrue(m.redelivered());
            assertEquals(1, m.restores());
            assertFalse(jedis.hexists(RedisKeys.UNACKED, "lost"));
            assertNull(jedis.zscore(RedisKeys.UNACKED_INDEX, "lost"));
        }
    }

    @Test
    void failsAMessageWhoseWorkersKeptDyingInsteadOfRestoringItAgain() throws Exception {
        heldSince("doomed", envelope("t-doomed", 0, MAX_REDELIVERIES), "celery", 1);
        assertEquals(0, keeper(new InFlight(() -> 10)).restore());
        try (Jedis jedis = pool.getResource()) {
            assertEquals(0, jedis.llen("celery"), "not put back a fourth time");
            assertFalse(jedis.hexists(RedisKeys.UNACKED, "doomed"));
            String meta = jedis.get("celery-task-meta-t-doomed");
            assertTrue(meta != null && meta.contains("\"FAILURE\"") && meta.contains("WorkerLostError"), meta);
        }
    }

    @Test
    void aHeldMessageIsRefreshedAndNeverRestoredWhileItsTaskRuns() throws Exception {
        String raw = envelope("t-long", 0, 0);
        heldSince("mine", raw, "celery", 1); // taken long ago: stale, were it not refreshed
        InFlight inFlight = new InFlight(() -> 10);
        inFlight.add(new Delivery("mine", "celery", KombuMessage.parse(raw), false));
        Keeper keeper = keeper(inFlight);
        keeper.refresh();
        assertEquals(0, keeper.restore());
        try (Jedis jedis = pool.getResource()) {
            assertTrue(jedis.hexists(RedisKeys.UNACKED, "mine"));
            assertEquals(0, jedis.llen("celery"));
        }
    }
}
