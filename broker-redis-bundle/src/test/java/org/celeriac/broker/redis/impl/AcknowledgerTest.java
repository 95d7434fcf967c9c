package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Settling messages against a real {@code redis-server}: acknowledged, put back, or found taken by another worker. */
class AcknowledgerTest extends RealRedisTest {
    private final InFlight inFlight = new InFlight(() -> 10);
    private final Counters counters = new Counters();
    private Acknowledger acknowledger;
    private Thread thread;

    @BeforeEach
    void start() {
        acknowledger = new Acknowledger(pool, null, inFlight, counters, 86_400);
        thread = Thread.ofPlatform().name("ack").start(acknowledger);
    }

    @AfterEach
    void stop() throws Exception {
        acknowledger.stop();
        thread.join(10_000);
    }

    /** A message taken from {@code key} and held under {@code tag}, as the pop script records it. */
    private Delivery held(String tag, String key, String taskId) throws Exception {
        String raw = MessageEncoder.task(TaskRequest.builder("add").id(taskId).args(List.of(1, 2)).build(), "celery", 0);
        try (Jedis jedis = pool.getResource()) {
            jedis.hset(RedisKeys.UNACKED, tag, "[" + raw + ",\"\",\"celery\"]");
            jedis.zadd(RedisKeys.UNACKED_INDEX, RedisKeys.indexScoreNow(), tag);
        }
        Delivery d = new Delivery(tag, key, KombuMessage.parse(raw), false);
        inFlight.add(d);
        return d;
    }

    private void awaitSettled() throws InterruptedException {
        assertTrue(inFlight.awaitEmpty(Duration.ofSeconds(10)), "not settled within 10 s");
    }

    @Test
    void acknowledgesABatchWithResultsAndFollowUpMessagesInOrder() throws Exception {
        Delivery a = held("a", "celery", "t-a");
        Delivery b = held("b", "celery", "t-b");
        acknowledger.ack(a, List.of(new Acknowledger.Write("celery-task-meta-t-a", "{\"result\": 3}")),
                List.of(new Acknowledger.Write("celery", "next-1"), new Acknowledger.Write("celery", "next-2")));
        acknowledger.ack(b, List.of(new Acknowledger.Write("celery-task-meta-t-b", "{\"result\": 4}")), List.of());
        awaitSettled();
        assertEquals(2, counters.acknowledged.sum());
        try (Jedis jedis = pool.getResource()) {
            assertEquals("{\"result\": 3}", jedis.get("celery-task-meta-t-a"));
            assertEquals("{\"result\": 4}", jedis.get("celery-task-meta-t-b"));
            assertTrue(jedis.ttl("celery-task-meta-t-a") > 0, "results expire (result.expires)");
            assertEquals(List.of("next-2", "next-1"), jedis.lrange("celery", 0, -1), "follow-ups LPUSHed in order");
            assertEquals(0, jedis.hlen(RedisKeys.UNACKED));
            assertEquals(0, jedis.zcard(RedisKeys.UNACKED_INDEX));
        }
    }

    @Test
    void aMessageAnotherWorkerRestoredMeanwhileGetsNoResultFromThisOne() throws Exception {
        Delivery d = held("gone", "celery", "t-gone");
        try (Jedis jedis = pool.getResource()) {
            jedis.hdel(RedisKeys.UNACKED, "gone"); // restored elsewhere: the copy that runs there reports
        }
        acknowledger.ack(d, List.of(new Acknowledger.Write("celery-task-meta-t-gone", "{\"result\": 3}")), List.of());
        awaitSettled();
        try (Jedis jedis = pool.getResource()) {
            assertNull(jedis.get("celery-task-meta-t-gone"), "exactly once: the result is the restored copy's to store");
            assertNull(jedis.zscore(RedisKeys.UNACKED_INDEX, "gone"));
        }
    }

    @Test
    void putsAMessageBackWhereItWasTakenFromToBeTakenNext() throws Exception {
        String key = RedisKeys.priorityKey("celery", 6);
        try (Jedis jedis = pool.getResource()) {
            jedis.lpush(key, "waiting");
        }
        Delivery d = held("back", key, "t-back");
        assertTrue(acknowledger.requeue(d));
        assertFalse(acknowledger.requeue(d), "settled once");
        awaitSettled();
        assertEquals(1, counters.requeued.sum());
        try (Jedis jedis = pool.getResource()) {
            assertEquals(d.message.raw(), jedis.lindex(key, -1), "at the end RPOP takes from");
            assertEquals(2, jedis.llen(key));
            assertFalse(jedis.hexists(RedisKeys.UNACKED, "back"));
        }
    }
}
