package org.celeriac.broker.celery;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.celeriac.pool.api.TaskRequest;

/**
 * Sends signatures on behalf of a finished task, as Celery's {@code apply_async} does for each canvas type
 * when its worker calls a callback, the next step of a chain, an errback or a chord's body
 * ({@code celery/canvas.py}):
 * <ul>
 * <li>a <b>task</b>: one message; the partial arguments (the parent's result) come first unless it is immutable,
 *     and its options become the message's canvas ({@link Canvas#forStep});</li>
 * <li>a <b>group</b>: one message per task (nested groups unrolled), each with the group's id and its index;</li>
 * <li>a <b>chain</b>: its first task, carrying the others (and the rest of the enclosing chain);</li>
 * <li>a <b>chord</b>: its header as a group whose tasks carry the body, after the header's size is stored
 *     where the Redis backend counts the chord ({@link Chords}); a chord inside a chain hands the chain's rest
 *     to its body. An empty header sends the body at once with {@code []}.</li>
 * </ul>
 * Each send returns the result tuple Celery records in the parent's {@code children} ({@code result.children}):
 * {@code [[id, null], null]} for a task, {@code [[group id, null], [members…]]} for a group. Not thread-safe:
 * one sender per finished task.
 */
final class SignatureSender {
    private final DecodedTask.Run parent;
    private final List<Continuations.Outgoing> messages = new ArrayList<>();
    private final List<Continuations.Stored> writes = new ArrayList<>();

    SignatureSender(DecodedTask.Run parent) {
        this.parent = parent;
    }

    /** The messages sent so far, in order. */
    List<Continuations.Outgoing> messages() {
        return List.copyOf(messages);
    }

    /** The values to store with them (chords' sizes), before the messages go out. */
    List<Continuations.Stored> writes() {
        return List.copyOf(writes);
    }

    /**
     * Sends {@code sig} with the partial arguments {@code partial} ({@code null}: none) and {@code rest}, the
     * remainder of the chain it is a step of (reversed: next last). @return its result tuple
     */
    Object send(Signature sig, List<Object> partial, List<Signature> rest) {
        return switch (sig.kind()) {
            case TASK -> task(sig, partial, rest);
            case GROUP -> group(sig, partial, rest, null);
            case CHAIN -> {
                List<Signature> steps = sig.tasks();
                List<Signature> chain = new ArrayList<>(rest);
                for (int i = steps.size() - 1; i >= 1; i--) {
                    chain.add(steps.get(i));
                }
                yield send(steps.get(0), partialOf(sig, partial), chain);
            }
            case CHORD -> {
                Signature body = sig.body();
                if (body.taskId() == null) {
                    body = body.with("task_id", UUID.randomUUID().toString()); // one id, however many header tasks carry it
                }
                if (!rest.isEmpty()) {
                    body = body.with("chain", rest.stream().map(Signature::json).toList());
                }
                yield group(sig.tasks().get(0), partialOf(sig, partial), List.of(), body);
            }
        };
    }

    private Object task(Signature sig, List<Object> partial, List<Signature> rest) {
        List<Object> args = partial == null || partial.isEmpty() || sig.immutable() ? sig.args() : concat(partial, sig.args());
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("parent_id", parent.taskId());
        Object root = parent.request().headers().get("root_id");
        headers.put("root_id", root != null ? root : parent.taskId());
        if (sig.options().get("group_id") instanceof String group) {
            headers.put("group", group);
            headers.put("group_index", sig.options().get("group_index"));
        }
        String id = sig.taskId() != null ? sig.taskId() : UUID.randomUUID().toString();
        TaskRequest request = TaskRequest.builder(sig.name()).id(id).args(args).kwargs(sig.kwargs()).headers(headers).build();
        Canvas next;
        try {
            next = Canvas.forStep(sig, rest);
        } catch (MessageFormatException e) {
            next = new Canvas(List.of(), List.of(), List.copyOf(rest)); // its own links unreadable: the chain goes on
        }
        String queue = sig.queue(Continuations.DEFAULT_QUEUE);
        messages.add(new Continuations.Outgoing(queue, parent.priority(), MessageEncoder.task(request, queue, parent.priority(), next)));
        return tuple(id, null);
    }

    /** A group's tasks, each a member of {@code group} (and of its chord, if {@code chordBody} is not null). */
    private Object group(Signature group, List<Object> partial, List<Signature> rest, Signature chordBody) {
        String groupId = group.taskId() != null ? group.taskId() : UUID.randomUUID().toString();
        List<Signature> members = new ArrayList<>();
        unroll(group, members);
        List<Object> args = partialOf(group, partial);
        if (chordBody != null) {
            if (members.isEmpty()) {
                send(chordBody, List.of(List.of()), List.of());
                return tuple(groupId, List.of());
            }
            int size = members.stream().mapToInt(SignatureSender::chordSize).sum();
            writes.add(new Continuations.Stored(Chords.keys(groupId).get(2), Integer.toString(size)));
        }
        List<Object> children = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            children.add(send(member(members.get(i), groupId, i, chordBody == null ? null : chordBody.json()), args, rest));
        }
        return tuple(groupId, children);
    }

    /** Celery's {@code group._prepared}: a group inside a group adds its tasks, not itself. */
    private static void unroll(Signature group, List<Signature> into) {
        for (Signature s : group.tasks()) {
            if (s.kind() == Signature.Kind.GROUP) {
                unroll(s, into);
            } else {
                into.add(s);
            }
        }
    }

    /**
     * {@code m} as the {@code index}th member of group {@code groupId}: the task that finishes the member's
     * work — a chain's last task, a nested chord's body — carries the membership, as Celery's freeze does.
     */
    private static Signature member(Signature m, String groupId, int index, JsonNode chord) {
        return switch (m.kind()) {
            case TASK -> m.with(chord == null ? Map.of("group_id", groupId, "group_index", index)
                    : Map.of("group_id", groupId, "group_index", index, "chord", chord));
            case CHAIN -> m.withLast(member(m.tasks().get(m.tasks().size() - 1), groupId, index, chord));
            case CHORD -> m.withBody(member(m.body(), groupId, index, chord));
            case GROUP -> throw new IllegalArgumentException("a group that ends a chain or a chord inside a group ("
                    + groupId + ") is not supported: its tasks could not share one place in the outer group");
        };
    }

    /** How many entries a header member adds to its chord (Celery's {@code chord._descend}). */
    private static int chordSize(Signature s) {
        return switch (s.kind()) {
            case TASK -> 1;
            case GROUP -> s.tasks().stream().mapToInt(SignatureSender::chordSize).sum();
            case CHAIN -> chordSize(s.tasks().get(s.tasks().size() - 1));
            case CHORD -> chordSize(s.body());
        };
    }

    /** The partial arguments a canvas passes on: the caller's before its own, unless immutable. */
    private static List<Object> partialOf(Signature sig, List<Object> partial) {
        if (partial == null || partial.isEmpty() || sig.immutable()) {
            return sig.args();
        }
        return concat(partial, sig.args());
    }

    private static List<Object> concat(List<Object> first, List<Object> rest) {
        List<Object> args = new ArrayList<>(first.size() + rest.size());
        args.addAll(first);
        args.addAll(rest);
        return args;
    }

    /** Celery's {@code as_tuple()}: {@code ((id, parent), children)}. */
    private static List<Object> tuple(String id, List<Object> children) {
        return Arrays.asList(Arrays.asList(id, null), children);
    }
}
