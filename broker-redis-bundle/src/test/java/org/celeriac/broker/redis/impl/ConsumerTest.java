package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.broker.celery.UnackedEntry;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The consumer's pop against a real {@code redis-server}: what it takes, and what it records for a restore. */
class ConsumerTest extends RealRedisTest {

    /**
     * Takes every message of {@code queues} (each message's id names its queue and priority) and returns, per
     * id, the queue its unacknowledged entry would restore it to.
     */
    private Map<String, String> takeAll(List<String> queues, Map<String, Integer> messages) throws Exception {
        try (Jedis jedis = redis.client()) {
            for (Map.Entry<String, Integer> m : messages.entrySet()) {
                String queue = m.getKey().substring(0, m.getKey().indexOf('-'));
                TaskRequest request = TaskRequest.builder("add").id(m.getKey()).args(List.of(1, 2)).build();
                jedis.lpush(RedisKeys.priorityKey(queue, m.getValue()), MessageEncoder.task(request, queue, m.getValue()));
            }
        }
        InFlight inFlight = new InFlight(() -> 100);
        Consumer consumer = new Consumer(pool, RedisKeys.queueKeys(queues), Duration.ofMillis(100), inFlight, null,
                new Counters());
        Thread t = Thread.ofPlatform().name("consumer").start(consumer);
        try {
            awaitTaken(inFlight, messages.size());
        } finally {
            stop(consumer, t);
        }
        Map<String, String> restoredTo = new TreeMap<>();
        try (Jedis jedis = redis.client()) {
            for (String entry : jedis.hvals(RedisKeys.UNACKED)) {
                UnackedEntry e = UnackedEntry.parse(entry);
                restoredTo.put(e.message().taskId(), e.routingKey());
            }
        }
        return restoredTo;
    }

    @Test
    void takesEveryPriorityOfAQueue() throws Exception {
        Map<String, Integer> messages = Map.of("celery-p0", 0, "celery-p3", 3, "celery-p6", 6, "celery-p9", 9);
        assertEquals(new TreeMap<>(Map.of("celery-p0", "celery", "celery-p3", "celery", "celery-p6", "celery",
                "celery-p9", "celery")), takeAll(List.of("celery"), messages));
    }

    @Test
    void recordsEachMessageWithTheQueueItWasTakenFrom() throws Exception {
        Map<String, Integer> messages = Map.of("alpha-1", 0, "beta-1", 0, "alpha-2", 9, "beta-2", 5);
        assertEquals(new TreeMap<>(Map.of("alpha-1", "alpha", "beta-1", "beta", "alpha-2", "alpha", "beta-2", "beta")),
                takeAll(List.of("alpha", "beta"), messages));
    }

    /** Celery's add_consumer / cancel_consumer: the queues change while the consumer runs. */
    @Test
    void takesFromAQueueAddedWhileItRunsAndNoLongerFromOneCancelled() throws Exception {
        try (Jedis jedis = redis.client()) {
            InFlight inFlight = new InFlight(() -> 100);
            Consumer consumer = new Consumer(pool, RedisKeys.queueKeys(List.of("alpha")), Duration.ofMillis(50), inFlight,
                    null, new Counters());
            Thread t = Thread.ofPlatform().name("consumer").start(consumer);
            try {
                jedis.lpush("beta", MessageEncoder.task(TaskRequest.of("add", 1, 2), "beta", 0));
                Thread.sleep(300); // six poll intervals
                assertEquals(1, jedis.llen("beta"), "not consumed before it is added");
                consumer.queues(RedisKeys.queueKeys(List.of("alpha", "beta")));
                awaitTaken(inFlight, 1);
                consumer.queues(RedisKeys.queueKeys(List.of("beta")));
                Thread.sleep(300); // the consumer may be waiting on alpha: its next look uses the new keys
                jedis.lpush("alpha", MessageEncoder.task(TaskRequest.of("add", 1, 2), "alpha", 0));
                jedis.lpush("beta", MessageEncoder.task(TaskRequest.of("add", 1, 2), "beta", 9));
                awaitTaken(inFlight, 2);
                Thread.sleep(300);
                assertEquals(1, jedis.llen("alpha"), "no longer consumed once cancelled");
                assertEquals(2, 100 - inFlight.awaitRoom(Duration.ZERO));
            } finally {
                stop(consumer, t);
            }
        }
    }

    private static void stop(Consumer consumer, Thread t) throws InterruptedException {
        consumer.stop();
        t.interrupt(); // no dispatching thread here: a second batch waits to be handed over
        t.join(10_000);
    }

    /** Waits until {@code n} messages were taken and handed over (each holds a slot of the limit of 100). */
    private static void awaitTaken(InFlight inFlight, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (100 - inFlight.awaitRoom(Duration.ZERO) < n) {
            assertTrue(System.nanoTime() < deadline, "taken: " + (100 - inFlight.awaitRoom(Duration.ZERO)) + " of " + n);
            Thread.sleep(10);
        }
    }
}
