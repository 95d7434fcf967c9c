package org.celeriac.broker.celery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.celeriac.pool.api.TaskRequest;

/**
 * What a Celery worker does after a task, as messages and results: on success it sends each {@code link}
 * callback and the next task of the chain with the result prepended to their arguments
 * ({@code celery/app/trace.py}); on failure it stores the failure under the ids of the chain's remaining
 * tasks, so whoever waits on the chain's last result gets the error, and sends each {@code link_error}
 * errback with the failed task's id ({@code celery/backends/base.py}). Stateless.
 */
public final class Continuations {
    /** Where a signature without a queue goes: Celery's {@code task_default_queue}. */
    static final String DEFAULT_QUEUE = "celery";

    /** A message to push: {@code envelope} to {@code queue} at {@code priority}. */
    public record Outgoing(String queue, int priority, String envelope) {
    }

    /** A result to store: {@code meta} under the task id's result key. */
    public record Stored(String taskId, String meta) {
    }

    private Continuations() {
    }

    /** The messages to send after {@code parent} returned {@code result}. */
    public static List<Outgoing> onSuccess(DecodedTask.Run parent, Object result) {
        List<Outgoing> out = new ArrayList<>();
        for (Signature callback : parent.canvas().callbacks()) {
            out.add(send(parent, callback, result, List.of()));
        }
        List<Signature> chain = parent.canvas().chain();
        if (!chain.isEmpty()) {
            out.add(send(parent, chain.get(chain.size() - 1), result, chain.subList(0, chain.size() - 1)));
        }
        return out;
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
    public static List<Outgoing> onFailure(DecodedTask.Run parent) {
        return errbacks(parent, parent.canvas().errbacks(), parent.taskId());
    }

    /** {@code errbacks} of the task {@code failedId}, sent on behalf of {@code parent}. */
    static List<Outgoing> errbacks(DecodedTask.Run parent, List<Signature> errbacks, String failedId) {
        List<Outgoing> out = new ArrayList<>();
        for (Signature errback : errbacks) {
            TaskRequest r = request(parent, errback, errback.immutable() ? errback.args() : prepend(failedId, errback.args()));
            String queue = errback.queue(DEFAULT_QUEUE);
            out.add(new Outgoing(queue, parent.priority(), MessageEncoder.task(r, queue, parent.priority(), List.of())));
        }
        return out;
    }

    /** The failure stored for every remaining chain task with a known id, so the chain's result does not hang. */
    public static List<Stored> propagate(DecodedTask.Run parent, CeleryError error, Instant done) {
        List<Stored> out = new ArrayList<>();
        for (Signature s : parent.canvas().chain()) {
            if (s.taskId() != null) {
                out.add(new Stored(s.taskId(), ResultMeta.failure(s.taskId(), error, done)));
            }
        }
        return out;
    }

    static Outgoing send(DecodedTask.Run parent, Signature sig, Object result, List<Signature> rest) {
        List<Object> args = sig.immutable() ? sig.args() : prepend(result, sig.args());
        TaskRequest r = request(parent, sig, args);
        String queue = sig.queue(DEFAULT_QUEUE);
        Canvas next;
        try {
            next = Canvas.forStep(sig, rest);
        } catch (MessageFormatException e) {
            next = new Canvas(List.of(), List.of(), List.copyOf(rest)); // its own links unreadable: the chain goes on
        }
        return new Outgoing(queue, parent.priority(), MessageEncoder.task(r, queue, parent.priority(), next));
    }

    static TaskRequest request(DecodedTask.Run parent, Signature sig, List<Object> args) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("parent_id", parent.taskId());
        Object root = parent.request().headers().get("root_id");
        headers.put("root_id", root != null ? root : parent.taskId());
        return TaskRequest.builder(sig.name()).id(sig.taskId() != null ? sig.taskId() : UUID.randomUUID().toString())
                .args(args).kwargs(sig.kwargs()).headers(headers).build();
    }

    static List<Object> prepend(Object first, List<Object> rest) {
        List<Object> args = new ArrayList<>(rest.size() + 1);
        args.add(first);
        args.addAll(rest);
        return args;
    }
}
