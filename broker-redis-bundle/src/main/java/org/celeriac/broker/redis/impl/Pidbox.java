package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import org.celeriac.broker.celery.ControlRequest;
import org.celeriac.broker.celery.Json;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.broker.celery.MessageFormatException;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The remote-control mailbox: kombu's pidbox over Redis. Commands arrive on the {@code celery.pidbox} fan-out
 * exchange (a Redis pub/sub channel, {@code /<db>.celery.pidbox}); replies go to the caller's reply queue
 * through the {@code reply.celery.pidbox} exchange's bindings. Its own thread, so a busy or blocking pool
 * never delays {@code celery inspect ping}.
 */
final class Pidbox implements Runnable {
    private static final Logger LOG = System.getLogger(Pidbox.class.getName());

    private final JedisPool pool;
    private final String channel;
    private final String node;
    private final ControlCommands commands;
    /**
     * Guards {@link #running} and {@link #listening}: an {@code UNSUBSCRIBE} is sent at most once, and only on
     * the connection while {@link #run()} reads it. Sent on a connection back in the pool, or sent twice, its
     * reply would be read by the next borrower as the reply to its own command.
     */
    private final Object lock = new Object();
    private boolean running = true;
    /** The subscription {@link #run()} is inside, or {@code null}. */
    private JedisPubSub listening;
    private boolean unsubscribed;

    Pidbox(JedisPool pool, int db, String node, ControlCommands commands) {
        this.pool = pool;
        this.channel = RedisKeys.pidboxChannel(db);
        this.node = node;
        this.commands = commands;
    }

    void stop() {
        synchronized (lock) {
            running = false;
            unsubscribeIfStopped();
        }
    }

    /**
     * Ends the subscription {@link #run()} is in if {@link #stop()} was called. Called by {@code stop()} and
     * by the subscription once Redis confirmed it: one of the two sees it subscribed and stopped.
     */
    private void unsubscribeIfStopped() {
        if (!running && listening != null && listening.isSubscribed() && !unsubscribed) {
            unsubscribed = true;
            listening.unsubscribe();
        }
    }

    @Override
    public void run() {
        Backoff backoff = new Backoff();
        for (;;) {
            try (Jedis jedis = pool.getResource()) {
                JedisPubSub s = new JedisPubSub() {
                    @Override
                    public void onSubscribe(String ch, int count) {
                        synchronized (lock) {
                            unsubscribeIfStopped();
                        }
                    }

                    @Override
                    public void onMessage(String ch, String message) {
                        try {
                            handle(message);
                        } catch (RuntimeException e) {
                            // Thrown out of here it would end the subscription: remote control would go deaf.
                            LOG.log(Level.ERROR, "remote-control command failed: " + Json.abbreviate(message), e);
                        }
                    }
                };
                synchronized (lock) {
                    if (!running) {
                        return;
                    }
                    listening = s;
                    unsubscribed = false;
                }
                backoff.reset();
                try {
                    jedis.subscribe(s, channel); // returns after unsubscribe
                } catch (RuntimeException e) {
                    // Still subscribed as far as Redis knows, or half way through a reply: never lent again.
                    jedis.getConnection().setBroken();
                    throw e;
                } finally {
                    synchronized (lock) {
                        listening = null;
                    }
                }
            } catch (RuntimeException e) {
                synchronized (lock) {
                    if (!running) {
                        return;
                    }
                }
                try {
                    backoff.pause(LOG, "remote control lost its Redis subscription", e);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void handle(String raw) {
        ControlRequest request;
        try {
            request = ControlRequest.decode(KombuMessage.parse(raw));
        } catch (MessageFormatException e) {
            LOG.log(Level.WARNING, "ignored a remote-control message: " + e.getMessage());
            return;
        }
        if (!request.addresses(node)) {
            return;
        }
        Object reply = commands.handle(request.method(), request.arguments());
        if (!request.wantsReply()) {
            return;
        }
        String envelope = MessageEncoder.controlReply(node, reply, request.ticket(), request.replyExchange(), request.replyRoutingKey());
        try (Jedis jedis = pool.getResource()) {
            for (String queue : RedisKeys.boundQueues(jedis.smembers(RedisKeys.BINDING_PREFIX + request.replyExchange()),
                    request.replyRoutingKey())) {
                jedis.lpush(queue, envelope);
            }
        } catch (JedisException e) {
            LOG.log(Level.WARNING, "cannot reply to remote-control command " + request.method() + ": " + e);
        }
    }
}
