package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Settles deliveries in Redis on one thread, in batches: one atomic script stores the results of all the
 * batch's finished tasks and acknowledges them, "put it back" is one script per message, all in one round trip
 * (with a separate result backend, results go there first). Tasks complete on pool threads; none of them waits for Redis.
 * While Redis is unreachable it retries with back-off: both scripts are idempotent, so a batch cut off
 * half-way is simply sent again.
 */
final class Acknowledger implements Runnable {
    private static final Logger LOG = System.getLogger(Acknowledger.class.getName());
    private static final int BATCH = 256;

    /** One Redis write: a value for a key. */
    record Write(String key, String value) {
    }

    /**
     * What to do with one delivery: put it back ({@code requeue}), or acknowledge it, storing {@code results}
     * and pushing {@code messages} in the same atomic step.
     */
    record Settlement(Delivery delivery, boolean requeue, List<Write> results, List<Write> messages) {
    }

    private final JedisPool pool;
    /** A result backend other than the broker's Redis, or {@code null}: results then go with the acknowledgement. */
    private final SeparateBackend backend;
    private final InFlight inFlight;
    private final Counters counters;
    private final long resultExpiresSeconds;
    private final LinkedBlockingQueue<Settlement> queue = new LinkedBlockingQueue<>();
    /** How long a stopping acknowledger keeps retrying an unreachable Redis before it leaves the rest to restores. */
    private static final long STOP_RETRY_NANOS = 8_000_000_000L;
    private volatile boolean stopping;
    private volatile long stoppingSince;

    Acknowledger(JedisPool pool, SeparateBackend backend, InFlight inFlight, Counters counters, long resultExpiresSeconds) {
        this.pool = pool;
        this.backend = backend;
        this.inFlight = inFlight;
        this.counters = counters;
        this.resultExpiresSeconds = resultExpiresSeconds;
    }

    /** Acknowledges {@code d} without a result. */
    void ack(Delivery d) {
        ack(d, List.of(), List.of());
    }

    /** Acknowledges {@code d}, storing {@code results} (Celery result metas) and pushing {@code messages}. */
    void ack(Delivery d, List<Write> results, List<Write> messages) {
        if (d.settle()) {
            inFlight.settling(d);
            queue.add(new Settlement(d, false, results, messages));
        }
    }

    /** Puts {@code d} back at the head of its queue, unrun. @return whether this call settles it */
    boolean requeue(Delivery d) {
        if (!d.settle()) {
            return false;
        }
        inFlight.settling(d);
        queue.add(new Settlement(d, true, List.of(), List.of()));
        return true;
    }

    /** Finishes what is queued, then returns from {@link #run()}. */
    void stop() {
        stoppingSince = System.nanoTime();
        stopping = true;
    }

    @Override
    public void run() {
        List<Settlement> batch = new ArrayList<>(BATCH);
        while (!(stopping && queue.isEmpty())) {
            try {
                Settlement first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                send(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // A bug must not end this thread: nothing would ever be settled again. The batch stays recorded
                // as unacknowledged in Redis and is restored after the visibility timeout (at least once).
                LOG.log(Level.ERROR, "cannot settle " + batch.size() + " messages; they will be restored after the"
                        + " visibility timeout", e);
                batch.forEach(s -> inFlight.remove(s.delivery()));
            } finally {
                batch.clear();
            }
        }
    }

    private void send(List<Settlement> batch) throws InterruptedException {
        Backoff backoff = new Backoff();
        List<Settlement> pending = batch;
        for (;;) {
            try (Jedis jedis = pool.getResource()) {
                if (backend != null) {
                    // Stored before the acknowledgement: a worker killed in between has its task run again and
                    // the result stored again (at least once), never an acknowledged task without one.
                    backend.store(pending.stream().flatMap(s -> s.results().stream()).toList());
                }
                List<Settlement> acks = pending.stream().filter(s -> !s.requeue()).toList();
                Pipeline p = jedis.pipelined();
                Response<Object> acked = acks.isEmpty() ? null : ackScript(p, acks);
                List<Response<Object>> requeued = new ArrayList<>();
                for (Settlement s : pending) {
                    if (s.requeue()) {
                        requeued.add(Scripts.REQUEUE.queue(p, List.of(RedisKeys.UNACKED, RedisKeys.UNACKED_INDEX,
                                s.delivery().queueKey), List.of(s.delivery().tag, s.delivery().message.raw())));
                    }
                }
                p.sync();
                counters.connected = true;
                List<Settlement> again = new ArrayList<>();
                List<?> ours = null;
                if (acked != null) {
                    try {
                        ours = OutOfStep.require(jedis, acked.get(), List.class, acks.size());
                    } catch (JedisDataException e) {
                        LuaScript.requireNoScript(e);
                        again.addAll(acks);
                    }
                }
                // Every reply is checked before any settlement is recorded: one out of step sends the whole batch
                // again, and none of it may count as settled twice.
                List<Object> requeueReplies = new ArrayList<>(requeued.size());
                for (Response<Object> reply : requeued) {
                    try {
                        requeueReplies.add(OutOfStep.require(jedis, reply.get(), Long.class, -1));
                    } catch (JedisDataException e) {
                        LuaScript.requireNoScript(e);
                        requeueReplies.add(null);
                    }
                }
                int a = 0;
                int r = 0;
                for (Settlement s : pending) {
                    if (s.requeue()) {
                        Object reply = requeueReplies.get(r++);
                        if (reply == null) {
                            again.add(s); // NOSCRIPT: it did not run
                        } else {
                            settled(s, Long.valueOf(1).equals(reply));
                        }
                    } else if (ours != null) {
                        settled(s, Long.valueOf(1).equals(ours.get(a++)));
                    }
                }
                if (again.isEmpty()) {
                    return;
                }
                // Redis restarted and forgot the scripts: what failed with NOSCRIPT did not run. Load, send again.
                Scripts.ACK.load(jedis);
                Scripts.REQUEUE.load(jedis);
                pending = again;
            } catch (JedisException e) {
                counters.connected = false;
                if (stopping && System.nanoTime() - stoppingSince > STOP_RETRY_NANOS) {
                    // Still recorded as unacknowledged in Redis: restored after the visibility timeout, nothing lost.
                    LOG.log(Level.ERROR, "stopping with " + (batch.size() + queue.size()) + " messages not settled (Redis "
                            + "unreachable: " + e + "); they will be restored after the visibility timeout");
                    queue.clear();
                    return;
                }
                backoff.pause(LOG, "cannot settle " + batch.size() + " messages in Redis", e);
            }
        }
    }

    /** One {@link Scripts#ACK} for all of {@code acks}: their tags, results and follow-up messages, in order. */
    private Response<Object> ackScript(Pipeline p, List<Settlement> acks) {
        List<String> keys = new ArrayList<>(List.of(RedisKeys.UNACKED, RedisKeys.UNACKED_INDEX));
        List<String> args = new ArrayList<>(List.of(Long.toString(resultExpiresSeconds), Integer.toString(acks.size())));
        for (Settlement s : acks) {
            List<Write> results = backend == null ? s.results() : List.of(); // stored already
            args.add(s.delivery().tag);
            args.add(Integer.toString(results.size()));
            args.add(Integer.toString(s.messages().size()));
            for (Write w : results) {
                keys.add(w.key());
                args.add(w.value());
            }
            for (Write w : s.messages()) {
                keys.add(w.key());
                args.add(w.value());
            }
        }
        return Scripts.ACK.queue(p, keys, args);
    }

    /** Counted before it leaves {@link InFlight}: whoever sees it gone (stats, a waiting shutdown) sees it counted. */
    private void settled(Settlement s, boolean ours) {
        if (s.requeue()) {
            if (ours) {
                counters.requeued.increment();
            }
        } else {
            counters.acknowledged.increment();
            if (!ours) {
                LOG.log(Level.WARNING, "message " + s.delivery().tag + " (task " + s.delivery().message.taskId() + ") was "
                        + "restored to its queue by another worker before this one acknowledged it (visibility timeout too "
                        + "short for a stalled worker?): its result is left to the copy that runs there");
            }
        }
        inFlight.remove(s.delivery());
    }
}
