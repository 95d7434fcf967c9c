package org.celeriac.broker.redis.impl;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.lang.System.Logger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The consumer: takes messages from the queues while the prefetch bound allows ({@link #run()}, the taking
 * thread) and hands each to the {@link Dispatcher} ({@link #dispatchLoop()}, the dispatching thread). Celery's
 * {@code Consumer} with {@code acks_late}: nothing is acknowledged here — the {@link Acknowledger} does that once
 * the task finished.
 *
 * <p>Two threads, because one spent most of its time waiting on Redis for the next batch and the rest decoding
 * the last one: now the next batch is on its way while the last is decoded (about 1.2x the tasks per second
 * through Redis). A taken batch is {@linkplain InFlight#reserve reserved} against the prefetch limit until each
 * of its messages is dispatched, so the hand-off takes nothing beyond the limit; at most one batch waits in it.
 *
 * <p>Taking messages is one atomic script (pop up to the prefetch room + record each as unacknowledged, under a
 * tag unique to this consumer and call). When the queues are empty it
 * waits with {@code BLMOVE q q RIGHT RIGHT}, a blocking peek that wakes on the next push to the first queue
 * without taking anything — so no message is ever in the consumer's socket and nowhere else. Other queue
 * keys (priorities, further queues) are looked at again after {@code poll.interval}.
 */
final class Consumer implements Runnable {
    private static final Logger LOG = System.getLogger(Consumer.class.getName());
    private static final int MAX_BATCH = 64;

    private final JedisPool pool;
    /**
     * The pop script's keys, the routing key of each queue key (JSON-quoted, for its unacknowledged entries) and
     * the queue to wait on: replaced together when the consumed queues change.
     */
    private record Keys(List<String> pop, List<String> routes, String first, double idleWaitSeconds) {
    }

    /** This consumer's tags are {@code session.call.k}: unique among all workers' without asking Redis. */
    private final String session = randomHex();
    private long calls;
    private final Duration pollInterval;
    private volatile Keys keys;
    private final InFlight inFlight;
    private final Dispatcher dispatcher;
    private final Counters counters;
    private volatile boolean running = true;
    /** Whether the taking thread may still hand over batches; the dispatching thread ends after it is false. */
    private volatile boolean taking = true;
    /** Taken batches (flat: key, tag, envelope, …) on their way to the dispatching thread. */
    private final BlockingQueue<List<?>> batches = new ArrayBlockingQueue<>(1);

    Consumer(JedisPool pool, List<String> queueKeys, Duration pollInterval, InFlight inFlight, Dispatcher dispatcher,
             Counters counters) {
        this.pool = pool;
        this.pollInterval = pollInterval;
        queues(queueKeys);
        this.inFlight = inFlight;
        this.dispatcher = dispatcher;
        this.counters = counters;
    }

    /** Consumes from these queue keys from the next take on (Celery's add_consumer / cancel_consumer). */
    void queues(List<String> queueKeys) {
        List<String> pop = new ArrayList<>(List.of(RedisKeys.UNACKED, RedisKeys.UNACKED_INDEX));
        pop.addAll(queueKeys);
        List<String> routes = queueKeys.stream()
                .map(k -> '"' + new String(JsonStringEncoder.getInstance().quoteAsString(RedisKeys.queueOf(k))) + '"').toList();
        keys = new Keys(List.copyOf(pop), routes, queueKeys.isEmpty() ? null : queueKeys.get(0),
                queueKeys.size() == 1 ? 1.0 : pollInterval.toNanos() / 1e9);
    }

    private static String randomHex() {
        byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Takes nothing more; returns from {@link #run()} within about a second, and from {@link #dispatchLoop()}
     * once what was taken is dispatched.
     */
    void stop() {
        running = false;
    }

    @Override
    public void run() {
        try {
            Backoff backoff = new Backoff();
            while (running) {
                try (Jedis jedis = pool.getResource()) {
                    counters.connected = true;
                    backoff.reset();
                    consume(jedis);
                } catch (JedisException e) {
                    counters.connected = false;
                    backoff.pause(LOG, "Redis consumer lost its connection", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            taking = false;
        }
    }

    private void consume(Jedis jedis) throws InterruptedException {
        while (running) {
            int room = inFlight.awaitRoom(Duration.ofMillis(500));
            if (room == 0) {
                continue;
            }
            Keys k = keys;
            if (k.first() == null) { // every queue cancelled: nothing to consume until one is added
                Thread.sleep(pollInterval.toMillis());
                continue;
            }
            List<String> args = new ArrayList<>(3 + k.routes().size());
            args.add(Integer.toString(Math.min(room, MAX_BATCH)));
            args.add(Long.toString(RedisKeys.indexScoreNow()));
            args.add(session + "." + calls++ + ".");
            args.addAll(k.routes());
            // Checked, not cast: a ClassCastException here ended the consuming thread, silently.
            List<?> popped = OutOfStep.require(jedis, Scripts.POP.run(jedis, k.pop(), args), List.class, -1);
            if (popped.isEmpty()) {
                jedis.blmove(k.first(), k.first(), ListDirection.RIGHT, ListDirection.RIGHT, k.idleWaitSeconds());
                continue;
            }
            inFlight.reserve(popped.size() / 3);
            batches.put(popped);
        }
    }

    /**
     * The dispatching thread: hands each taken message to the {@link Dispatcher}, while the taking thread waits
     * on Redis for the next batch. Returns once taking has stopped and every taken batch is dispatched (a
     * message taken and never dispatched would wait out the visibility timeout).
     */
    void dispatchLoop() {
        for (;;) {
            List<?> popped;
            try {
                popped = batches.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (popped == null) {
                if (!taking && batches.isEmpty()) {
                    return;
                }
                continue;
            }
            for (int i = 0; i + 2 < popped.size(); i += 3) {
                String tag = (String) popped.get(i + 1);
                try {
                    dispatcher.dispatch((String) popped.get(i), tag, (String) popped.get(i + 2));
                } catch (RuntimeException e) {
                    // A bug must not stop consumption; the message stays recorded in unacked for a restore.
                    LOG.log(System.Logger.Level.ERROR, "cannot dispatch message " + tag + " from " + popped.get(i), e);
                    inFlight.unreserve(tag);
                }
            }
        }
    }
}
