package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.celeriac.broker.celery.CeleryError;
import org.celeriac.broker.celery.Chords;
import org.celeriac.broker.celery.MessageFormatException;
import org.celeriac.broker.celery.Continuations;
import org.celeriac.broker.celery.DecodedTask;
import org.celeriac.broker.celery.Json;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.broker.celery.ResultMeta;
import org.celeriac.broker.celery.TaskMessageDecoder;
import org.celeriac.pool.api.DuplicateTaskException;
import org.celeriac.pool.api.PoolUnavailableException;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.worker.api.Worker;

/**
 * What happens to one message once taken: decoded, checked (refused, duplicate, revoked), handed to the
 * {@link Worker}, and when its task finishes, settled with everything Celery's worker writes after a task.
 * Called on the consumer thread; completions arrive on pool threads. Never throws: one bad message blocks
 * nothing.
 */
final class Dispatcher {
    private static final Logger LOG = System.getLogger(Dispatcher.class.getName());

    private final InFlight inFlight;
    private final Acknowledger acknowledger;
    private final Worker worker;
    private final TaskMessageDecoder decoder;
    private final RevokedTasks revoked;
    private final Counters counters;
    private final boolean storeResults;
    private final TaskEvents events;
    /** Celery's rate limits, per task name. */
    private final RateLimits rates;
    /** Celery's {@code control time_limit}: per task name, for requests that set none. */
    private final TaskTimeLimits limits;
    /** Celery's result_extended: the request's fields stored with the result. */
    private final boolean resultExtended;
    private final String nodeName;
    /** Chords in the result backend, or {@code null} when results are off. */
    private final ChordJoin chords;
    /** Celery's task_track_started, or {@code null} when off. */
    private final StartedStates startedStates;
    private final RetryPolicies retries;

    Dispatcher(InFlight inFlight, Acknowledger acknowledger, Worker worker, TaskMessageDecoder decoder,
               RevokedTasks revoked, Counters counters, boolean storeResults, TaskEvents events, StartedStates startedStates,
               RetryPolicies retries, TaskTimeLimits limits, RateLimits rates, ChordJoin chords, String nodeName,
               boolean resultExtended) {
        this.inFlight = inFlight;
        this.acknowledger = acknowledger;
        this.worker = worker;
        this.decoder = decoder;
        this.revoked = revoked;
        this.counters = counters;
        this.storeResults = storeResults;
        this.events = events;
        this.startedStates = startedStates;
        this.retries = retries;
        this.limits = limits;
        this.rates = rates;
        this.chords = chords;
        this.nodeName = nodeName;
        this.resultExtended = resultExtended;
    }

    /** Runs the task of the message {@code raw} taken from {@code key} (tracked as {@code tag}), or settles it at once. */
    void dispatch(String key, String tag, String raw) {
        counters.received.increment();
        KombuMessage message;
        try {
            message = KombuMessage.parse(raw);
        } catch (MessageFormatException e) {
            // Not a kombu envelope: no task id to report to, so drop it, loudly.
            Delivery d = new Delivery(tag, key, null, false);
            inFlight.add(d);
            counters.rejected.increment();
            LOG.log(Level.ERROR, "dropped a message from '" + key + "': " + e.getMessage());
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
        Instant now = Instant.now();
        Instant eta = run.request().eta();
        // Over its rate limit, a task waits like one with an ETA: unacknowledged, outside the prefetch count.
        Instant start = rates.reserve(run.request().name(), eta != null && eta.isAfter(now) ? eta : now);
        Delivery d = new Delivery(tag, key, message, !start.isAfter(now));
        inFlight.add(d);
        String taskId = run.taskId();
        counters.taskReceived(run.request().name());
        events.received(run);
        if (revoked.contains(taskId)) {
            settle(d, run, null, CeleryError.revoked());
            return;
        }
        TaskHandle handle;
        try {
            TaskRequest request = limits.apply(run.request());
            if (start.isAfter(now) && !start.equals(eta)) {
                request = request.toBuilder().eta(start).build();
            }
            // Started is heard before the task reaches a pool: solo runs it inside submit.
            handle = worker.submit(request, h -> h.started().thenAccept(workerId -> started(d, taskId, workerId)));
        } catch (IllegalStateException shuttingDown) {
            acknowledger.requeue(d);
            return;
        }
        d.handle(handle);
        handle.result().whenComplete((value, failure) -> finished(d, run, value, failure));
    }

    /** A pool started the task ({@code null}: it ended without starting): task-started, task_track_started. */
    private void started(Delivery d, String taskId, String workerId) {
        if (workerId != null) {
            d.started();
            events.started(taskId, workerId);
            if (startedStates != null) {
                startedStates.started(taskId, workerId);
            }
        }
    }

    /** A task's outcome: put back, retried or settled. On a pool thread; a bug here still settles the message. */
    private void finished(Delivery d, DecodedTask.Run run, Object value, Throwable failure) {
        try {
            if (failure != null && CeleryError.rootCause(failure) instanceof DuplicateTaskException) {
                // The worker runs a task id once; the original settles it and reports its result.
                LOG.log(Level.WARNING, "task " + run.taskId() + " arrived again while it is still running here; the "
                        + "duplicate message " + d.tag + " is acknowledged without running");
                acknowledger.ack(d);
                return;
            }
            if (failure != null && CeleryError.rootCause(failure) instanceof PoolUnavailableException) {
                // No pool ran it here: another worker (or a pool that comes back) will.
                acknowledger.requeue(d);
                return;
            }
            Duration retryIn = failure == null ? null
                    : retries.of(run.request().name()).retryDelay(failure, Continuations.retries(run));
            if (retryIn != null) {
                retry(d, run, CeleryError.of(failure), retryIn);
            } else {
                settle(d, run, value, failure == null ? null : CeleryError.of(failure));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "cannot report task " + run.request().name() + "[" + run.taskId() + "]; it fails with the error", e);
            settle(d, run, null, CeleryError.of(e));
        }
    }

    /**
     * Acknowledges a failed task together with its next attempt ({@code retries} + 1, due {@code delay}
     * from now, back on the queue key it came from) and the {@code RETRY} state, in one atomic step.
     */
    private void retry(Delivery d, DecodedTask.Run run, CeleryError error, Duration delay) {
        String taskId = run.taskId();
        List<Acknowledger.Write> results = storeResults && !run.ignoreResult()
                ? List.of(result(taskId, ResultMeta.retry(taskId, error, Instant.now()))) : List.of();
        String queue = d.message.routingKey() != null ? d.message.routingKey() : d.queueKey;
        List<Acknowledger.Write> messages = List.of(new Acknowledger.Write(d.queueKey, Continuations.retry(run, delay, queue)));
        LOG.log(Level.INFO, "task " + run.request().name() + "[" + taskId + "] failed (" + error.type() + ": "
                + error.message() + "); retry " + (Continuations.retries(run) + 1) + " in " + delay);
        acknowledger.ack(d, results, messages);
        events.retried(run, error);
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
                // Sent before the result is stored, as Celery's worker does, so that the result lists them as children.
                Continuations.Followers next = followers(run, () -> Continuations.onSuccess(run, value));
                if (storeResults && !run.ignoreResult()) {
                    Map<String, Object> fields = new LinkedHashMap<>(requestFields(d, run));
                    fields.put("children", next.children());
                    results.add(result(taskId, ResultMeta.success(taskId, value, now, fields)));
                }
                follow(next, results, messages);
            } else {
                if (storeResults && !run.ignoreResult()) {
                    results.add(result(taskId, ResultMeta.failure(taskId, error, now, requestFields(d, run))));
                }
                if (storeResults) {
                    Continuations.propagate(run, error, now).forEach(r -> results.add(write(r)));
                }
                follow(followers(run, () -> Continuations.onFailure(run)), results, messages);
            }
            if (chords != null && Chords.isHeaderTask(run)) {
                // Joined before the acknowledgement, as Celery's worker does (a kill in between reruns the task).
                Optional<List<String>> parts = chords.add(run, Chords.part(run, value, error));
                if (parts.isPresent()) {
                    follow(Chords.complete(run, parts.get(), now), results, messages);
                }
            }
        } catch (MessageFormatException | RuntimeException e) {
            // The task's own result and its other followers still go out; the chord's state stays in Redis.
            LOG.log(Level.ERROR, "cannot complete the chord of task " + run.request().name() + "[" + taskId + "]: " + e, e);
        }
        acknowledger.ack(d, results, messages);
        events.finished(run, value, error, System.nanoTime() - d.takenAt);
    }

    private Map<String, Object> requestFields(Delivery d, DecodedTask.Run run) {
        // The routing key only for result_extended: reading it walks the message's JSON tree, long out of the
        // cache by the time its task ends (a profile found it in every settlement).
        return ResultMeta.requestFields(run, nodeName, resultExtended ? d.message.routingKey() : null, resultExtended);
    }

    private static Acknowledger.Write result(String taskId, String meta) {
        return new Acknowledger.Write(ResultMeta.KEY_PREFIX + taskId, meta);
    }

    /**
     * What follows {@code run}, or nothing if it cannot be built (say, a callback's arguments are not JSON): that
     * must not cost the task's own result or leave its message held forever.
     */
    private static Continuations.Followers followers(DecodedTask.Run run, Supplier<Continuations.Followers> build) {
        try {
            return build.get();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "cannot send what follows task " + run.request().name() + "[" + run.taskId() + "]: " + e, e);
            return Continuations.Followers.NONE;
        }
    }

    /** Adds what follows a task to its settlement: chords' sizes (with results enabled, where chords live) and messages. */
    private void follow(Continuations.Followers next, List<Acknowledger.Write> results, List<Acknowledger.Write> messages) {
        if (storeResults) {
            next.writes().forEach(w -> results.add(write(w)));
        }
        next.messages().forEach(m -> messages.add(message(m)));
    }

    private static Acknowledger.Write write(Continuations.Stored s) {
        return new Acknowledger.Write(s.key(), s.value());
    }

    private static Acknowledger.Write message(Continuations.Outgoing m) {
        return new Acknowledger.Write(RedisKeys.priorityKey(m.queue(), m.priority()), m.envelope());
    }
}
