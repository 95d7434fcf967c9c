package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.celeriac.broker.redis.testing.RedisServer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/** Celery's {@code task_track_started} against a real {@code redis-server}: STARTED never hides an outcome. */
class StartedStatesTest {

    /** Marks {@code taskId} started and waits until the writer thread has run it (its queue is FIFO, one thread). */
    private static String markAndRead(StartedStates states, Jedis jedis, String taskId) throws InterruptedException {
        states.started(taskId, "threads-1");
        states.started("barrier-" + taskId, "threads-1");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (jedis.get("celery-task-meta-barrier-" + taskId) == null) {
            assertTrue(System.nanoTime() < deadline, "the STARTED writer did not run within 10 s");
            Thread.sleep(10);
        }
        return jedis.get("celery-task-meta-" + taskId);
    }

    @Test
    void startedOverNothingOrARetryButNeverOverAnOutcome() throws Exception {
        try (RedisServer redis = RedisServer.start(); JedisPool pool = new JedisPool(URI.create(redis.url()));
             Jedis jedis = redis.client()) {
            StartedStates states = new StartedStates(pool, "celeriac@test", 86_400);
            try {
                String fresh = markAndRead(states, jedis, "t-new");
                assertTrue(fresh.contains("\"STARTED\"") && fresh.contains("celeriac@test"), fresh);
                assertTrue(jedis.ttl("celery-task-meta-t-new") > 0, "expires as results do");

                jedis.set("celery-task-meta-t-retry", "{\"status\": \"RETRY\"}");
                assertTrue(markAndRead(states, jedis, "t-retry").contains("\"STARTED\""), "a retried task's next run starts");

                String outcome = "{\"status\": \"SUCCESS\", \"result\": 3}";
                jedis.set("celery-task-meta-t-done", outcome);
                assertEquals(outcome, markAndRead(states, jedis, "t-done"), "a start heard after the outcome is dropped");

                jedis.set("celery-task-meta-t-odd", "not json");
                assertEquals("not json", markAndRead(states, jedis, "t-odd"), "what it cannot read, it leaves alone");
            } finally {
                states.stop();
            }
        }
    }
}
