package org.celeriac.broker.redis.impl;

import java.net.URI;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.celeriac.broker.redis.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/** A real {@code redis-server} and a pool on it for each test (skipped, saying so, without {@code redis-server}). */
abstract class RealRedisTest {
    RedisServer redis;
    JedisPool pool;

    /** The pool's settings; the default lends up to 8 connections. */
    GenericObjectPoolConfig<Jedis> poolConfig() {
        return new GenericObjectPoolConfig<>();
    }

    /** A pool of one connection: what a component under test borrows is the connection the test checks next. */
    static GenericObjectPoolConfig<Jedis> oneConnection() {
        GenericObjectPoolConfig<Jedis> one = new GenericObjectPoolConfig<>();
        one.setMaxTotal(1);
        return one;
    }

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start();
        pool = new JedisPool(poolConfig(), URI.create(redis.url()));
    }

    @AfterEach
    void stopRedis() throws Exception {
        pool.close();
        redis.close();
    }
}
