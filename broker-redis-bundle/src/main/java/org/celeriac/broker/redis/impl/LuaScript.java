package org.celeriac.broker.redis.impl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}): {@code EVAL} sends the whole text with every call and Redis
 * hashes it again each time — for the per-message scripts that was a kilobyte on the wire and a SHA-1 per
 * task. Redis forgets loaded scripts when it restarts ({@code NOSCRIPT}): {@link #run} then loads it and
 * runs it again; pipelines pass their replies' errors to {@link #requireNoScript} and resend after {@link #load}.
 */
record LuaScript(String source, String sha) {

    static LuaScript of(String source) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new LuaScript(source, HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** Runs the script, loading it first if Redis does not have it. */
    Object run(Jedis jedis, List<String> keys, List<String> args) {
        try {
            return jedis.evalsha(sha, keys, args);
        } catch (JedisDataException e) {
            requireNoScript(e);
            load(jedis);
            return jedis.evalsha(sha, keys, args);
        }
    }

    /** Queues a run in {@code pipeline}; its reply is a {@code NOSCRIPT} error if Redis lacks the script. */
    Response<Object> queue(Pipeline pipeline, List<String> keys, List<String> args) {
        return pipeline.evalsha(sha, keys, args);
    }

    void load(Jedis jedis) {
        jedis.scriptLoad(source);
    }

    /** Returns if {@code e} is Redis's NOSCRIPT (the script did not run); rethrows any other error. */
    static void requireNoScript(JedisDataException e) {
        if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
            throw e;
        }
    }
}
