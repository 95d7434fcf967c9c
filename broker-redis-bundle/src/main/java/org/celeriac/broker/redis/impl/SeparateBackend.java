package org.celeriac.broker.redis.impl;

import java.net.URI;
import java.util.List;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;

/**
 * A result backend in another Redis or database ({@code result.backend=redis://…/1}). No script spans it and
 * the broker, so results are written here first, then the message is acknowledged: at least once.
 * Thread-safe.
 */
final class SeparateBackend implements AutoCloseable {
    private final JedisPool pool;
    private final long resultExpiresSeconds;

    SeparateBackend(URI uri, GenericObjectPoolConfig<Jedis> poolConfig, long resultExpiresSeconds) {
        this.pool = new JedisPool(poolConfig, uri, 10_000);
        this.resultExpiresSeconds = resultExpiresSeconds;
    }

    /** The backend's connections, for scripts that must run where the results are. */
    JedisPool pool() {
        return pool;
    }

    /**
     * Stores Celery result metas, each for {@code result.expires} seconds (0 = forever) and published on its
     * key, as Celery's Redis backend does; one round trip.
     *
     * @throws redis.clients.jedis.exceptions.JedisException the backend is unreachable
     */
    void store(List<Acknowledger.Write> results) {
        if (results.isEmpty()) {
            return;
        }
        try (Jedis jedis = pool.getResource()) {
            Pipeline p = jedis.pipelined();
            for (Acknowledger.Write w : results) {
                if (resultExpiresSeconds > 0) {
                    p.setex(w.key(), resultExpiresSeconds, w.value());
                } else {
                    p.set(w.key(), w.value());
                }
                p.publish(w.key(), w.value());
            }
            p.sync();
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
