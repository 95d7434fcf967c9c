package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The remote-control subscription's life against a real {@code redis-server}. */
class PidboxTest extends RealRedisTest {

    @Override
    GenericObjectPoolConfig<Jedis> poolConfig() {
        return oneConnection();
    }

    /**
     * {@code stop()} at any moment of the subscription's start ends it, and the connection goes back to the
     * pool in step: its next command gets its own reply, not the {@code UNSUBSCRIBE}'s. The pool has one
     * connection, so the check runs on the very connection the subscription used. (A stop before Redis had
     * confirmed the subscription used to be missed, and the thread stayed subscribed.)
     */
    @Test
    void stopAtAnyMomentEndsTheSubscriptionAndLeavesTheConnectionInStep() throws Exception {
        for (int round = 0; round < 300; round++) {
            Pidbox pidbox = new Pidbox(pool, 0, "celeriac@test", null); // no command is sent: none is handled
            Thread t = Thread.ofPlatform().name("pidbox-" + round).start(pidbox);
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(2_000_000));
            pidbox.stop();
            t.join(5_000);
            assertFalse(t.isAlive(), "round " + round + ": still subscribed 5 s after stop()");
            try (Jedis jedis = pool.getResource()) {
                assertEquals("round " + round, jedis.echo("round " + round));
            }
        }
    }
}
