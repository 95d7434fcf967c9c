package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * A pooled connection one reply behind its commands, as once seen in a CI run: each component that reads
 * replies notices it, discards the connection, and does its work on a fresh one, instead of acting on
 * another command's reply or passing the shift on to the next borrower. The pool has one connection, so the
 * component gets the shifted one, and the check after it runs on what the pool lends next.
 */
class OutOfStepTest extends RealRedisTest {

    @Override
    GenericObjectPoolConfig<Jedis> poolConfig() {
        return oneConnection();
    }

    /** Sends a command whose reply nobody reads, and gives the connection back to the pool. */
    private void putOneReplyBehind() {
        try (Jedis jedis = pool.getResource()) {
            jedis.getConnection().sendCommand(Protocol.Command.PING); // flushed with the next command
        }
    }

    private void assertPoolInStep() {
        try (Jedis jedis = pool.getResource()) {
            assertEquals("in step", jedis.echo("in step"));
        }
    }

    private static Delivery delivery(String tag) throws Exception {
        return new Delivery(tag, "celery", KombuMessage.parse(MessageEncoder.task(TaskRequest.of("add", 1, 2), "celery", 0)), false);
    }

    private Keeper keeper(InFlight inFlight) {
        return new Keeper(pool, inFlight, new Counters(), 3600, new Keeper.Abandonment(3, false, null, 86_400));
    }

    @Test
    void theKeepersRefreshDiscardsTheConnection() throws Exception {
        InFlight inFlight = new InFlight(() -> 10);
        inFlight.add(delivery("t1"));
        putOneReplyBehind();
        keeper(inFlight).refresh(); // its ZADD's reply was the PING's: nothing to act on, but the shift must end here
        assertPoolInStep();
    }

    @Test
    void theKeepersRestoreDiscardsTheConnectionAndRestoresOnTheNextRound() throws Exception {
        String entry = "[" + MessageEncoder.task(TaskRequest.of("add", 1, 2), "celery", 0) + ",\"\",\"celery\"]";
        try (Jedis jedis = pool.getResource()) {
            jedis.hset(RedisKeys.UNACKED, "lost", entry);
            jedis.zadd(RedisKeys.UNACKED_INDEX, 1, "lost"); // taken in 1970 by a worker that died
        }
        putOneReplyBehind();
        Keeper keeper = keeper(new InFlight(() -> 10));
        assertEquals(0, keeper.restore(), "the shifted connection's replies must not be acted on");
        assertPoolInStep();
        assertEquals(1, keeper.restore());
        try (Jedis jedis = pool.getResource()) {
            assertEquals(1, jedis.llen("celery"));
            assertFalse(jedis.hexists(RedisKeys.UNACKED, "lost"));
        }
    }

    @Test
    void theAcknowledgerSettlesOnAFreshConnection() throws Exception {
        try (Jedis jedis = pool.getResource()) {
            jedis.hset(RedisKeys.UNACKED, "t1", "held");
            jedis.zadd(RedisKeys.UNACKED_INDEX, 1, "t1");
        }
        putOneReplyBehind();
        InFlight inFlight = new InFlight(() -> 10);
        Counters counters = new Counters();
        Acknowledger acknowledger = new Acknowledger(pool, null, inFlight, counters, 86_400);
        Delivery d = delivery("t1");
        inFlight.add(d);
        acknowledger.ack(d, List.of(new Acknowledger.Write("celery-task-meta-1", "{\"status\": \"SUCCESS\"}")), List.of());
        Thread t = Thread.ofPlatform().name("ack").start(acknowledger);
        try {
            assertTrue(inFlight.awaitEmpty(java.time.Duration.ofSeconds(10)), "the acknowledgement was never settled");
        } finally {
            acknowledger.stop();
            t.join(10_000);
        }
        assertEquals(1, counters.acknowledged.sum());
        assertPoolInStep();
        try (Jedis jedis = pool.getResource()) {
            assertEquals("{\"status\": \"SUCCESS\"}", jedis.get("celery-task-meta-1"), "the result is stored once, as ours");
            assertFalse(jedis.hexists(RedisKeys.UNACKED, "t1"));
        }
    }

    @Test
    void theConsumerReconnectsAndGoesOnTaking() throws Exception {
        putOneReplyBehind();
        InFlight inFlight = new InFlight(() -> 10);
        Consumer consumer = new Consumer(pool, RedisKeys.queueKeys(List.of("celery")), java.time.Duration.ofMillis(100), inFlight, null, new Counters());
        Thread t = Thread.ofPlatform().name("consumer").start(consumer);
        try {
            // The first pop (of an empty queue) got the PING's reply: the connection must go, the thread stay.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (pool.getDestroyedCount() == 0) {
                assertTrue(System.nanoTime() < deadline, "the shifted connection was never discarded");
                Thread.sleep(10);
            }
            try (Jedis other = redis.client()) {
                other.lpush("celery", MessageEncoder.task(TaskRequest.of("add", 1, 2), "celery", 0));
            }
            while (inFlight.awaitRoom(java.time.Duration.ZERO) != 9) { // taken and handed over: one slot used
                assertTrue(System.nanoTime() < deadline, "the consumer took nothing after the discarded connection");
                Thread.sleep(10);
            }
        } finally {
            consumer.stop();
            t.join(10_000);
        }
        assertPoolInStep();
    }
}
