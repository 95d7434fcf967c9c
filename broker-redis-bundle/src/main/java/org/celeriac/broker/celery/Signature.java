package org.celeriac.broker.celery;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A task signature as Celery embeds it in a message ({@code add.s(10)}: {@code {task, args, kwargs, options,
 * subtask_type, immutable}}): a task to send when this one finishes.
 *
 * @param name      the task name
 * @param args      its own (partial) positional arguments
 * @param kwargs    its keyword arguments
 * @param options   {@code apply_async} options; {@code task_id} is the id the caller already holds a result for
 * @param immutable {@code si()}: the parent's result is not prepended to {@code args}
 * @param json      the signature as it came, re-embedded unchanged in the messages that carry the rest of a chain
 */
public record Signature(String name, List<Object> args, Map<String, Object> kwargs, Map<String, Object> options,
                        boolean immutable, JsonNode json) {

    /** Reads one embedded signature. @throws MessageFormatException not a plain task signature */
    @SuppressWarnings("unchecked")
    static Signature parse(JsonNode node, String where) throws MessageFormatException {
        if (!node.isObject() || !node.path("task").isTextual()) {
            throw new MessageFormatException(where + " is not a task signature: " + Json.abbreviate(node.toString()));
        }
        JsonNode type = node.path("subtask_type");
        if (!type.isMissingNode() && !type.isNull()) {
            throw new MessageFormatException(where + " is a " + type.asText() + " (task " + node.path("task").asText()
                    + "): Celeriac continues with plain task signatures only, not groups, chords or nested chains");
        }
        JsonNode args = node.path("args");
        JsonNode kwargs = node.path("kwargs");
        JsonNode options = node.path("options");
        return new Signature(node.get("task").asText(),
                args.isArray() ? Json.MAPPER.convertValue(args, List.class) : List.of(),
                kwargs.isObject() ? Json.MAPPER.convertValue(kwargs, Map.class) : Map.of(),
                options.isObject() ? Json.MAPPER.convertValue(options, Map.class) : Map.of(),
                node.path("immutable").asBoolean(false), node);
    }

    /** The id the caller holds for this task ({@code options.task_id}), or {@code null} if none was frozen. */
    public String taskId() {
        Object id = options.get("task_id");
        return id instanceof String s && !s.isBlank() ? s : null;
    }

    /** The queue it goes to: {@code options.queue} (a name or a declaration), else its routing key, else {@code fallback}. */
    public String queue(String fallback) {
        Object q = options.get("queue");
        if (q instanceof String s && !s.isBlank()) {
            return s;
        }
        if (q instanceof Map<?, ?> m && m.get("name") instanceof String s && !s.isBlank()) {
            return s;
        }
        Object rk = options.get("routing_key");
        return rk instanceof String s && !s.isBlank() ? s : fallback;
    }
}
