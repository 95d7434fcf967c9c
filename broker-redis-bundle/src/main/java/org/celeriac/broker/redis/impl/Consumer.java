package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.celeriac.broker.celery.CeleryError;
import org.celeriac.broker.celery.Continuations;
import org.celeriac.broker.celery.DecodedTask;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.broker.celery.MessageFormatException;
import org.celeriac.broker.celery.ResultMeta;
import org.celeriac.broker.celery.TaskMessageDecoder;
import org.celeriac.pool.api.PoolUnavailableException;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.worker.api.Worker;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The consumer thread: takes messages from the queues while the prefetch bound allows, and hands each task
 * to the worker. Celery's {@code Consumer} with {@code acks_late}: nothing is acknowledged here — the
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
    private final List<String> popKeys;
    private final String firstKey;
    private final double idleWaitSeconds;
    private final InFlight inFlight;
    private final Acknowledger acknowledger;
    private final Worker worker;
    private final TaskMessageDecoder decoder;
    private final RevokedTasks revoked;
    private final Counters counters;
    private final boolean storeResults;
    private final TaskEvents events;
    private volatile boolean running = true;

    Consumer(JedisPool pool, List<String> queueKeys, Duration pollInterval, InFlight inFlight,
             Acknowledger acknowledger, Worker worker, TaskMessageDecoder decoder, RevokedTasks revoked,
             Counters counters, boolean storeResults, TaskEvents events) {
        this.pool = pool;
        List<String> keys = new ArrayList<>(List.of(RedisKeys.UNACKED, RedisKeys.UNACKED_INDEX));
        keys.addAll(queueKeys);
        this.popKeys = List.copyOf(keys);
        this.firstKey = queueKeys.get(0);
        this.idleWaitSeconds = queueKeys.size() == 1 ? 1.0 : pollInterval.toNanos() / 1e9;
        this.inFlight = inFlight;
        this.acknowledger = acknowledger;
        this.worker = worker;
        this.decoder = decoder;
        this.revoked = revoked;
        this.counters = counters;
        this.storeResults = storeResults;
        this.events = events;
    }

    /** Takes nothing more; returns from {@link #run()} within about a second. */
    void stop() {
        running = false;
    }

    @Override
    public void run() {
        Duration backoff = Duration.ofMillis(100);
        while (running) {
            try (Jedis jedis = pool.getResource()) {
                counters.connected = true;
                backoff = Duration.ofMillis(100);
                consume(jedis);
            } catch (JedisException e) {
                counters.connected = false;
                LOG.log(Level.WARNING, "Redis consumer lost its connection (retrying in " + backoff.toMillis() + " ms): " + e);
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : backoff.multipliedBy(2);
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
            double now = System.currentTimeMillis() / 1000.0;
            List<?> popped = (List<?>) jedis.eval(Scripts.POP, popKeys,
                    List.of(Integer.toString(Math.min(room, MAX_BATCH)), Double.toString(now)));
            if (popped.isEmpty()) {
                jedis.blmove(firstKey, firstKey, ListDirection.RIGHT, ListDirection.RIGHT, idleWaitSeconds);
                continue;
            }
            for (int i = 0; i + 2 < popped.size(); i += 3) {
                dispatch((String) popped.get(i), (String) popped.get(i + 1), (String) popped.get(i + 2));
            }
        }
    }

    /** Runs one message's task, or settles it at once when it cannot run. Never throws: one bad message blocks nothing. */
    private void dispatch(String key, String tag, String raw) {
        counters.received.increment();
        if (tag == null) {
            counters.rejected.increment();
            LOG.log(Level.ERROR, "dropped a message from '" + key + "' that is not a kombu envelope with a delivery tag, "
                    + "so it has no task id to report to: " + abbreviate(raw));
            return;
        }
        KombuMessage message;
        try {
            message = KombuMessage.parse(raw);
        } catch (MessageFormatException e) {
            // cjson read it (it has a tag) but it is no envelope: nothing to report to, so drop it, loudly.
            Delivery d = new Delivery(tag, key, null, false);
            inFlight.add(d);
            counters.rejected.increment();
            LOG.log(Level.ERROR, "dropped message " + tag + " from '" + key + "': " + e.getMessage());
            acknowledger.ack(d);
            return;
        }
        DecodedTask decoded = decoder.decode(message);
        if (decoded instanceof DecodedTask.Refuse r) {
            Delivery d = new Delivery(tag, key, message, false);
            inFlight.add(d);
            counters.rejected.increment();
            LOG.log(Level.WARNING, "refused task " + r.taskName() + "[" + r.taskId() + "]: " + r.error().message());
            acknowledger.ack(d, r.taskId() != null && storeResults
                    ? List.of(result(r.taskId(), ResultMeta.failure(r.taskId(), r.error(), Instant.now()))) : List.of(), List.of());
            return;
        }
        DecodedTask.Run run = (DecodedTask.Run) decoded;
        Instant eta = run.request().eta();
        Delivery d = new Delivery(tag, key, message, eta == null || !eta.isAfter(Instant.now()));
        inFlight.add(d);
        String taskId = run.taskId();
        counters.taskReceived(run.request().name());
        if (!inFlight.claimTaskId(taskId, d)) {
            LOG.log(Level.WARNING, "task " + taskId + " arrived again while it is still running here; the duplicate "
                    + "message " + tag + " is acknowledged without running (a task id runs once)");
            acknowledger.ack(d);
            return;
        }
        events.received(run);
        if (revoked.contains(taskId)) {
            settle(d, run, null, CeleryError.revoked());
            return;
        }
        TaskHandle handle;
        try {
            handle = worker.submit(run.request());
        } catch (IllegalStateException shuttingDown) {
            acknowledger.requeue(d);
            return;
        }
        d.handle(handle);
        handle.result().whenComplete((value, failure) -> {
            if (failure != null && CeleryError.rootCause(failure) instanceof PoolUnavailableException) {
                // No pool ran it here: another worker (or a pool that comes back) will.
                acknowledger.requeue(d);
                return;
            }
            settle(d, run, value, failure == null ? null : CeleryError.of(failure));
        });
    }

    /**
     * Acknowledges a finished task with everything Celery's worker would write after it: its result, and on
     * success the callbacks and the chain's next task; on failure the failure for the rest of the chain and
     * the errbacks. One atomic step in Redis.
     */
    private void settle(Delivery d, DecodedTask.Run run, Object value, CeleryError error) {
        String taskId = run.taskId();
        Instant now = Instant.now();
        List<Acknowledger.Write> results = new ArrayList<>();
        List<Acknowledger.Write> messages = new ArrayList<>();
        try {
            if (error == null) {
                if (storeResults && !run.ignoreResult()) {
                    results.add(result(taskId, ResultMeta.success(taskId, value, now)));
                }
                Continuations.onSuccess(run, value).forEach(m -> messages.add(message(m)));
            } else {
                if (storeResults && !run.ignoreResult()) {
                    results.add(result(taskId, ResultMeta.failure(taskId, error, now)));
                }
                if (storeResults) {
                    Continuations.propagate(run, error, now).forEach(r -> results.add(result(r.taskId(), r.meta())));
                }
                Continuations.onFailure(run).forEach(m -> messages.add(message(m)));
            }
        } catch (RuntimeException e) {
            // A continuation that cannot be built (say, a callback's arguments are not JSON) must not cost the
            // task's own result or leave its message held forever.
            LOG.log(Level.ERROR, "cannot send what follows task " + run.request().name() + "[" + taskId + "]: " + e, e);
            messages.clear();
        }
        acknowledger.ack(d, results, messages);
        events.finished(run, value, error, System.nanoTime() - d.takenAt);
    }

    private static Acknowledger.Write result(String taskId, String meta) {
        return new Acknowledger.Write(ResultMeta.KEY_PREFIX + taskId, meta);
    }

    private static Acknowledger.Write message(Continuations.Outgoing m) {
        return new Acknowledger.Write(RedisKeys.priorityKey(m.queue(), m.priority()), m.envelope());
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "… (" + s.length() + " chars)";
    }
}
