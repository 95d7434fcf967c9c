package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The consumer thread: takes messages from the queues while the prefetch bound allows and hands each to
 * the {@link Dispatcher}. Celery's {@code Consumer} with {@code acks_late}: nothing is acknowledged here — the
 * {@link Acknowledger} does that once the task finished.
 *
 * <p>Taking a message is one atomic script (pop + record as unacknowledged). When the queues are empty it
 * waits with {@code BLMOVE q q RIGHT RIGHT}, a blocking peek that wakes on the next push to the first queue
 * without taking anything — so no message is ever in the consumer's socket and nowhere else. Other queue
 * keys (priorities, further queues) are looked at again after {@code poll.interval}.
 */
final class Consumer implements Runnable {
    private static final Logger LOG = System.getLogger(Consumer.class.getName());
    private static final int MAX_BATCH = 64;

    private final JedisPool pool;
    /** The pop script's keys and the queue to wait on: replaced together when the consumed queues change. */
    private record Keys(List<String> pop, String first, double idleWaitSeconds) {
    }

    private final Duration pollInterval;
    private volatile Keys keys;
    private final InFlight inFlight;
    private final Dispatcher dispatcher;
    private final Counters counters;
    private volatile boolean running = true;

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
        keys = new Keys(List.copyOf(pop), queueKeys.isEmpty() ? null : queueKeys.get(0),
                queueKeys.size() == 1 ? 1.0 : pollInterval.toNanos() / 1e9);
    }

    /** Takes nothing more; returns from {@link #run()} within about a second. */
    void stop() {
        running = false;
    }

    @Override
    public void run() {
        Backoff backoff = new Backoff();
        while (running) {
            try (Jedis jedis = pool.getResource()) {
                counters.connected = true;
                backoff.reset();
                consume(jedis);
            } catch (JedisException e) {
                counters.connected = false;
                try {
                    backoff.pause(LOG, "Redis consumer lost its connection", e);
                } catch (InterruptedException ie) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
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
            double now = System.currentTimeMillis() / 1000.0;
            List<?> popped = (List<?>) jedis.eval(Scripts.POP, k.pop(),
                    List.of(Integer.toString(Math.min(room, MAX_BATCH)), Double.toString(now)));
            if (popped.isEmpty()) {
                jedis.blmove(k.first(), k.first(), ListDirection.RIGHT, ListDirection.RIGHT, k.idleWaitSeconds());
                continue;
            }
            for (int i = 0; i + 2 < popped.size(); i += 3) {
                try {
                    dispatcher.dispatch((String) popped.get(i), (String) popped.get(i + 1), (String) popped.get(i + 2));
                } catch (RuntimeException e) {
                    // A bug must not stop consumption; the message stays recorded in unacked for a restore.
                    LOG.log(System.Logger.Level.ERROR, "cannot dispatch message " + popped.get(i + 1) + " from " + popped.get(i), e);
                }
            }
        }
    }
}
