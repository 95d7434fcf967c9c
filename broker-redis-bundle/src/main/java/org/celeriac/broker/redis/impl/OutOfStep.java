package org.celeriac.broker.redis.impl;

import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A pooled connection whose replies no longer match its commands (one was seen one reply behind in a CI
 * run; the cause is not found yet, see the design notes). It is marked broken, so that its pool closes it
 * instead of lending it again, and the caller's usual reconnect path takes over.
 */
final class OutOfStep {
    private OutOfStep() {
    }

    /**
     * {@code reply} if it is what the command sent returns: a {@code type}, and a list of {@code size} if
     * {@code size} is not negative. Otherwise the connection is {@linkplain #discard discarded}.
     */
    static <T> T require(Jedis jedis, Object reply, Class<T> type, int size) {
        if (type.isInstance(reply) && (size < 0 || ((List<?>) reply).size() == size)) {
            return type.cast(reply);
        }
        throw discard(jedis, type.getSimpleName() + (size < 0 ? "" : " of " + size), reply);
    }

    /** Marks {@code jedis}'s connection broken; the exception to throw, as for a lost connection. */
    static JedisConnectionException discard(Jedis jedis, String expected, Object got) {
        jedis.getConnection().setBroken();
        return new JedisConnectionException("a Redis reply out of step with its command (expected " + expected + ", got "
                + got + "); continuing on a fresh connection");
    }
}
