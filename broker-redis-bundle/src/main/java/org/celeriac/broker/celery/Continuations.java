package org.celeriac.broker.celery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.TaskRequest;

/**
 * What a Celery worker does after a task, as messages and results: on success it sends each {@code link}
 * callback and the next step of the chain with the result prepended to their arguments
 * ({@code celery/app/trace.py}) and records what it sent as the task's {@code children}; on failure it stores
 * the failure under the ids of the chain's remaining tasks, so whoever waits on the chain's last result gets
 * the error, and sends each {@code link_error} errback with the failed task's id ({@code celery/backends/base.py}).
 * Callbacks, chain steps and errbacks may be tasks, groups, chains or chords ({@link SignatureSender}). Stateless.
 */
public final class Continuations {
    /** Where a signature without a queue goes: Celery's {@code task_default_queue}. */
    static final String DEFAULT_QUEUE = "celery";

    /** A message to push: {@code envelope} to {@code queue} at {@code priority}. */
    public record Outgoing(String queue, int priority, String envelope) {
    }

    /** A value to store in the result backend under {@code key} (a result, a chord's size). */
    public record Stored(String key, String value) {
        /** A task's result {@code meta}, under the task id's result key. */
        static Stored result(String taskId, String meta) {
            return new Stored(ResultMeta.KEY_PREFIX + taskId, meta);
        }
    }

    /**
     * What follows a task: {@code writes} to store before {@code messages} are sent, and the result tuples of
     * what was sent, for the task's {@code children}.
     */
    public record Followers(List<Outgoing> messages, List<Stored> writes, List<Object> children) {
        /** Nothing follows. */
        public static final Followers NONE = new Followers(List.of(), List.of(), List.of());

        static Followers of(SignatureSender sender, List<Object> children) {
            return new Followers(sender.messages(), sender.writes(), List.copyOf(children));
        }
    }

    private Continuations() {
    }

    /** What to send after {@code parent} returned {@code result}. */
    public static Followers onSuccess(DecodedTask.Run parent, Object result) {
        SignatureSender sender = new SignatureSender(parent);
        List<Object> partial = Collections.singletonList(result);
        List<Object> children = new ArrayList<>();
        for (Signature callback : parent.canvas().callbacks()) {
            children.add(sender.send(callback, partial, List.of()));
        }
        List<Signature> chain = parent.canvas().chain();
        if (!chain.isEmpty()) {
            children.add(sender.send(chain.get(chain.size() - 1), partial, chain.subList(0, chain.size() - 1)));
        }
        return Followers.of(sender, children);
    }

    /**
     * The task again, {@code delay} from now: same id, arguments and canvas, {@code retries} + 1 — what
     * Celery's {@code Task.retry} sends — for the queue {@code queue} it came from.
     */
    public static String retry(DecodedTask.Run parent, Duration delay, String queue) {
        TaskRequest r = parent.request();
        Map<String, Object> headers = new LinkedHashMap<>(r.headers());
        headers.put("retries", retries(parent) + 1);
        headers.remove("redelivered");
        TaskRequest again = r.toBuilder().eta(Instant.now().plus(delay)).headers(headers).build();
        return MessageEncoder.task(again, queue, parent.priority(), parent.canvas());
    }

    /** How many times the task ran before this run (Celery's {@code request.retries}). */
    public static int retries(DecodedTask.Run run) {
        return run.request().headers().get("retries") instanceof Number n ? n.intValue() : 0;
    }

    /** The errbacks to send after {@code parent} failed: each gets the failed task's id, unless immutable ({@code si}). */
    public static Followers onFailure(DecodedTask.Run parent) {
        return errbacks(parent, parent.canvas().errbacks(), parent.taskId());
    }

    /** {@code errbacks} of the task {@code failedId}, sent on behalf of {@code parent}. */
    static Followers errbacks(DecodedTask.Run parent, List<Signature> errbacks, String failedId) {
        SignatureSender sender = new SignatureSender(parent);
        List<Object> children = new ArrayList<>();
        for (Signature errback : errbacks) {
            children.add(sender.send(errback, List.of(failedId), List.of()));
        }
        return Followers.of(sender, children);
    }

    /** The failure stored for every remaining chain task with a known id, so the chain's result does not hang. */
    public static List<Stored> propagate(DecodedTask.Run parent, CeleryError error, Instant done) {
        List<Stored> out = new ArrayList<>();
        for (Signature s : parent.canvas().chain()) {
            if (s.taskId() != null) {
                out.add(Stored.result(s.taskId(), ResultMeta.failure(s.taskId(), error, done)));
            }
        }
        return out;
    }
}
