package org.celeriac.broker.celery;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Celery's chords over the Redis result backend, as {@code celery/backends/redis.py} keeps them, so a chord
 * whose header runs partly on Python workers and partly on Celeriac completes once. The client stores the
 * header's size under {@code celery-taskset-meta-<group>.s}; each header task, once finished, adds
 * {@code [1, id, state, result]} to the sorted set {@code ….j} scored by its {@code group_index}; the one
 * that makes the count reach the size (plus {@code ….t}) sends the body with the header's results, in
 * order, prepended to its arguments (the body may be a task, a group, a chain or another chord), and removes
 * the keys. A failed header task fails the body with {@code ChordError} and calls the body's errbacks, as
 * Celery does. Stateless.
 */
public final class Chords {
    private static final String PREFIX = "celery-taskset-meta-";
    private static final Set<String> EXCEPTION_STATES = Set.of("FAILURE", "RETRY", "REVOKED");

    private Chords() {
    }

    /** Whether {@code run} is a task of a chord's header. */
    public static boolean isHeaderTask(DecodedTask.Run run) {
        return run.group() != null && run.canvas().chord() != null;
    }

    /** The keys of a group's chord state: the joined results, the size correction and the size. */
    public static List<String> keys(String group) {
        return List.of(PREFIX + group + ".j", PREFIX + group + ".t", PREFIX + group + ".s");
    }

    /** The score of a header task's entry: its {@code group_index}, or {@code +inf} (Celery's default). */
    public static String score(DecodedTask.Run run) {
        return run.groupIndex() == null ? "+inf" : run.groupIndex().toString();
    }

    /** The entry a finished header task adds: {@code error == null}: it returned {@code value}. */
    public static String part(DecodedTask.Run run, Object value, CeleryError error) {
        return Json.write(List.of(1, run.taskId(), error == null ? "SUCCESS" : error.state(),
                error == null ? nullable(value) : ResultMeta.exception(error)));
    }

    private static Object nullable(Object value) {
        return value == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : value;
    }

    /** What follows the header task {@code last} that completed the chord whose entries are {@code parts}. */
    public static Continuations.Followers complete(DecodedTask.Run last, List<String> parts, Instant now) throws MessageFormatException {
        Signature body = last.canvas().chord();
        List<Object> results = new ArrayList<>(parts.size());
        for (String part : parts) {
            JsonNode entry;
            try {
                entry = Json.MAPPER.readTree(part);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new MessageFormatException("a chord entry is not JSON: " + Json.abbreviate(part));
            }
            String state = entry.path(2).asText();
            if (EXCEPTION_STATES.contains(state)) {
                JsonNode exc = entry.path(3);
                CeleryError error = new CeleryError(CeleryError.FAILURE, "ChordError", CeleryError.CELERY, "Dependency "
                        + entry.path(1).asText() + " raised " + exc.path("exc_type").asText("Exception") + "("
                        + PythonRepr.of(exc.path("exc_message").path(0).asText("")) + ")", null);
                Continuations.Followers errbacks = Continuations.errbacks(last, Canvas.forStep(body, List.of()).errbacks(),
                        body.taskId() != null ? body.taskId() : last.taskId());
                List<Continuations.Stored> stored = new ArrayList<>(errbacks.writes());
                if (body.taskId() != null) {
                    stored.add(Continuations.Stored.result(body.taskId(), ResultMeta.failure(body.taskId(), error, now)));
                }
                return new Continuations.Followers(errbacks.messages(), stored, List.of());
            }
            results.add(Json.MAPPER.convertValue(entry.path(3), Object.class));
        }
        SignatureSender sender = new SignatureSender(last);
        sender.send(body, Collections.singletonList(results), List.of());
        return Continuations.Followers.of(sender, List.of());
    }
}
