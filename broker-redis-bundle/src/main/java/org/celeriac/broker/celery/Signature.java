package org.celeriac.broker.celery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A signature as Celery embeds it in a message ({@code add.s(10)}: {@code {task, args, kwargs, options,
 * subtask_type, immutable}}): something to send when a task finishes. Besides plain tasks, Celery's canvas
 * types travel the same way ({@code celery/canvas.py}): a {@code group} (its tasks in {@code kwargs.tasks}),
 * a {@code chain} ({@code kwargs.tasks}, in order), a {@code chord} ({@code kwargs.header}, a group or a list,
 * and {@code kwargs.body}); {@code xmap}/{@code xstarmap} are plain {@code celery.map}/{@code celery.starmap}
 * tasks that take no partial arguments, and {@code chunks} is read as the group of {@code celery.starmap}
 * tasks Celery turns it into. {@link SignatureSender} sends each kind as Celery's {@code apply_async} does.
 *
 * @param kind      what it is
 * @param name      the task name ({@code celery.group}, {@code celery.chain}, {@code celery.chord} for those)
 * @param args      its own (partial) positional arguments
 * @param kwargs    its keyword arguments (for a task)
 * @param options   {@code apply_async} options; {@code task_id} is the id the caller already holds a result for
 *                  (for a group: the group's id)
 * @param immutable {@code si()}: the parent's result is not prepended to {@code args}
 * @param json      the signature as it came, re-embedded unchanged in the messages that carry it on
 * @param tasks     a group's or a chain's members; a chord's header as its one element (a group)
 * @param body      a chord's body, else {@code null}
 */
public record Signature(Kind kind, String name, List<Object> args, Map<String, Object> kwargs, Map<String, Object> options,
                        boolean immutable, JsonNode json, List<Signature> tasks, Signature body) {

    /** The shapes of Celery's canvas that a worker sends on. */
    public enum Kind { TASK, GROUP, CHAIN, CHORD }

    /** How deep canvases may nest: a bound so that a hostile message cannot exhaust the stack. */
    private static final int MAX_DEPTH = 32;

    /** Reads one embedded signature. @throws MessageFormatException not a signature Celery sends */
    static Signature parse(JsonNode node, String where) throws MessageFormatException {
        return parse(node, where, 0);
    }

    @SuppressWarnings("unchecked")
    private static Signature parse(JsonNode node, String where, int depth) throws MessageFormatException {
        if (depth > MAX_DEPTH) {
            throw new MessageFormatException(where + " nests canvases deeper than " + MAX_DEPTH + " levels");
        }
        if (!node.isObject() || !node.path("task").isTextual()) {
            throw new MessageFormatException(where + " is not a task signature: " + Json.abbreviate(node.toString()));
        }
        JsonNode type = node.path("subtask_type");
        String subtask = type.isMissingNode() || type.isNull() ? null : type.asText();
        JsonNode args = node.path("args");
        JsonNode kwargs = node.path("kwargs");
        JsonNode options = node.path("options");
        String name = node.get("task").asText();
        List<Object> argList = args.isArray() ? Json.toJavaList(args) : List.of();
        Map<String, Object> kwargMap = kwargs.isObject() ? Json.toJavaMap(kwargs) : Map.of();
        Map<String, Object> optionMap = options.isObject() ? Json.toJavaMap(options) : Map.of();
        boolean immutable = node.path("immutable").asBoolean(false);
        if (subtask == null) {
            return new Signature(Kind.TASK, name, argList, kwargMap, optionMap, immutable, node, List.of(), null);
        }
        return switch (subtask) {
            // Celery's _basemap.apply_async ignores partial arguments: the items are all the task gets.
            case "xmap", "xstarmap" -> new Signature(Kind.TASK, name, argList, kwargMap, optionMap, true, node, List.of(), null);
            case "group", "chain" -> {
                List<Signature> members = members(kwargs.path("tasks"), where + ".tasks", depth);
                if (members.isEmpty() && subtask.equals("chain")) {
                    throw new MessageFormatException(where + " is a chain with no tasks");
                }
                yield new Signature(subtask.equals("group") ? Kind.GROUP : Kind.CHAIN, name, argList, Map.of(), optionMap,
                        immutable, node, members, null);
            }
            case "chord" -> {
                JsonNode header = kwargs.path("header");
                // A chord made from a list keeps the list; one made from a group keeps the group (and its id).
                Signature group = header.isArray() ? parse(groupOf(header), where + ".header", depth + 1)
                        : parse(header, where + ".header", depth + 1);
                if (group.kind != Kind.GROUP) {
                    throw new MessageFormatException(where + ".header is not a group: " + Json.abbreviate(header.toString()));
                }
                yield new Signature(Kind.CHORD, name, argList, Map.of(), optionMap, immutable, node, List.of(group),
                        parse(kwargs.path("body"), where + ".body", depth + 1));
            }
            case "chunks" -> parse(chunksAsGroup(kwargs, where), where, depth);
            default -> throw new MessageFormatException(where + " is a " + subtask + " (task " + name
                    + "), not a task, group, chain, chord, map, starmap or chunks signature");
        };
    }

    private static List<Signature> members(JsonNode list, String where, int depth) throws MessageFormatException {
        if (!list.isArray()) {
            throw new MessageFormatException(where + " must be a list of signatures, got " + Json.abbreviate(list.toString()));
        }
        List<Signature> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(parse(list.get(i), where + "[" + i + "]", depth + 1));
        }
        return List.copyOf(out);
    }

    private static ObjectNode groupOf(JsonNode tasks) {
        ObjectNode group = JsonNodeFactory.instance.objectNode();
        group.put("task", "celery.group").put("subtask_type", "group").putObject("kwargs").set("tasks", tasks);
        group.putObject("options");
        return group;
    }

    /** {@code task.chunks(it, n)}: Celery's {@code chunks.group()}, one {@code celery.starmap} per n items. */
    private static ObjectNode chunksAsGroup(JsonNode kwargs, String where) throws MessageFormatException {
        JsonNode items = kwargs.path("it");
        int n = kwargs.path("n").asInt(0);
        if (!items.isArray() || n < 1 || !kwargs.path("task").isObject()) {
            throw new MessageFormatException(where + " is a chunks signature without task, it and n: "
                    + Json.abbreviate(kwargs.toString()));
        }
        ArrayNode parts = JsonNodeFactory.instance.arrayNode();
        for (int from = 0; from < items.size(); from += n) {
            ArrayNode chunk = JsonNodeFactory.instance.arrayNode();
            for (int i = from; i < Math.min(items.size(), from + n); i++) {
                chunk.add(items.get(i));
            }
            ObjectNode starmap = parts.addObject();
            starmap.put("task", "celery.starmap").put("subtask_type", "xstarmap").put("immutable", true);
            starmap.putArray("args");
            ObjectNode starmapKwargs = starmap.putObject("kwargs");
            starmapKwargs.set("task", kwargs.get("task"));
            starmapKwargs.set("it", chunk);
            starmap.putObject("options");
        }
        return groupOf(parts);
    }

    /** This signature with {@code options.key} set to {@code value} (a JSON value), as Celery's {@code sig.set(...)}. */
    Signature with(String key, Object value) {
        return with(Map.of(key, value));
    }

    /** This signature with each of {@code changes} set in its options, in one copy. */
    Signature with(Map<String, Object> changes) {
        ObjectNode copy = ((ObjectNode) json).deepCopy();
        JsonNode options = copy.path("options");
        ObjectNode opts = options.isObject() ? (ObjectNode) options : copy.putObject("options");
        changes.forEach((key, value) -> opts.set(key, Json.MAPPER.valueToTree(value)));
        return reparse(copy);
    }

    /** A chain with its last task replaced by {@code last}. */
    Signature withLast(Signature last) {
        ObjectNode copy = ((ObjectNode) json).deepCopy();
        ArrayNode members = (ArrayNode) copy.path("kwargs").path("tasks");
        members.set(members.size() - 1, last.json);
        return reparse(copy);
    }

    /** A chord with its body replaced by {@code newBody}. */
    Signature withBody(Signature newBody) {
        ObjectNode copy = ((ObjectNode) json).deepCopy();
        ((ObjectNode) copy.path("kwargs")).set("body", newBody.json);
        return reparse(copy);
    }

    private static Signature reparse(ObjectNode changed) {
        try {
            return parse(changed, "a signature");
        } catch (MessageFormatException e) {
            throw new IllegalStateException("a signature read once no longer reads: " + e.getMessage(), e);
        }
    }

    /** The id the caller holds for this task (or group) ({@code options.task_id}), or {@code null} if none was frozen. */
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
