package org.celeriac.broker.celery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.TaskRequest;

/**
 * Reads Celery task messages, protocol version 2: the task name, id, limits, ETA and expiry in the headers
 * and a JSON body {@code [args, kwargs, embed]}. Stateless and thread-safe.
 *
 * <p>It never runs or deserializes anything but JSON: a pickled (or YAML, msgpack) body is refused by its
 * content type before a byte of it is read. Every refusal names the problem, so the sender's
 * {@code AsyncResult.get()} raises a clear error instead of waiting forever.
 */
public final class TaskMessageDecoder {
    static final String JSON = "application/json";
    /** Message headers a task can see through its request, beyond the ones mapped to request fields. */
    private static final List<String> PASSED_HEADERS = List.of("retries", "root_id", "parent_id", "group",
            "group_index", "origin", "shadow", "argsrepr", "kwargsrepr");

    private final long maxBodyBytes;

    /** @param maxBodyBytes bodies larger than this (after decoding) are refused, not parsed */
    public TaskMessageDecoder(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    public DecodedTask decode(KombuMessage message) {
        JsonNode headers = message.headers();
        String taskId = message.taskId();
        String taskName = message.taskName();
        String contentType = message.contentType();
        if (contentType != null && !contentType.equals(JSON)) {
            return new DecodedTask.Refuse(taskId, taskName, CeleryError.contentDisallowed(contentType));
        }
        if (taskName == null) {
            // Protocol 1 put everything in the body; its id is the correlation id Celery also set.
            return new DecodedTask.Refuse(taskId, null, CeleryError.invalidTask("not a Celery protocol 2 task message "
                    + "(no 'task' header): Celeriac reads protocol 2 only; set task_protocol = 2 on the sender "
                    + "(the default since Celery 4)"));
        }
        if (taskId == null) {
            return new DecodedTask.Refuse(null, taskName, CeleryError.invalidTask("the message has no task id"));
        }
        try {
            JsonNode body = body(message);
            return new DecodedTask.Run(request(message, body, taskId, taskName), headers.path("ignore_result").asBoolean(false),
                    Canvas.parse(body.get(2)), message.priority(), headers.path("group").isTextual() ? headers.get("group").asText() : null,
                    headers.path("group_index").isNumber() ? headers.get("group_index").numberValue() : null);
        } catch (MessageFormatException | IllegalArgumentException e) {
            return new DecodedTask.Refuse(taskId, taskName, CeleryError.invalidTask(
                    "malformed message for task " + taskName + "[" + taskId + "]: " + e.getMessage()));
        }
    }

    /** The body, checked to be {@code [args, kwargs, embed]}. */
    private JsonNode body(KombuMessage message) throws MessageFormatException {
        byte[] body = message.body();
        if (body.length > maxBodyBytes) {
            throw new MessageFormatException("the body has " + body.length + " bytes, more than max.message.bytes = " + maxBodyBytes);
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MessageFormatException("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MessageFormatException("the body cannot be read: " + e.getMessage());
        }
        if (tree == null || !tree.isArray() || tree.size() != 3 || !tree.get(0).isArray() || !tree.get(1).isObject()) {
            throw new MessageFormatException("the body must be [args, kwargs, embed] with a list and an object, got "
                    + Json.abbreviate(String.valueOf(tree)));
        }
        return tree;
    }

    private static TaskRequest request(KombuMessage message, JsonNode tree, String taskId, String taskName)
            throws MessageFormatException {
        JsonNode headers = message.headers();
        JsonNode limits = headers.path("timelimit");
        Map<String, Object> passed = new LinkedHashMap<>();
        for (String h : PASSED_HEADERS) {
            JsonNode v = headers.get(h);
            if (v != null && !v.isNull()) {
                passed.put(h, Json.toJava(v));
            }
        }
        passed.put("redelivered", message.redelivered());
        return TaskRequest.builder(taskName).id(taskId)
                .args(Json.toJavaList(tree.get(0)))
                .kwargs(Json.toJavaMap(tree.get(1)))
                // Celery writes timelimit as [hard, soft] (celery/app/amqp.py).
                .timeLimit(seconds(limits.path(0), "timelimit[0] (hard)"))
                .softTimeLimit(seconds(limits.path(1), "timelimit[1] (soft)"))
                .eta(instant(headers.path("eta"), "eta"))
                .expires(instant(headers.path("expires"), "expires"))
                .headers(passed)
                .build();
    }

    private static Duration seconds(JsonNode v, String what) throws MessageFormatException {
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() <= 0) {
            throw new MessageFormatException(what + " must be a positive number of seconds, was " + v);
        }
        return Duration.ofNanos((long) (v.asDouble() * 1e9));
    }

    /** Celery writes ISO 8601 with an offset; a naive time (old senders with enable_utc) is UTC. */
    private static Instant instant(JsonNode v, String what) throws MessageFormatException {
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MessageFormatException(what + " must be an ISO 8601 date-time, was " + v);
        }
        try {
            return OffsetDateTime.parse(v.asText()).toInstant();
        } catch (DateTimeParseException offsetMissing) {
            try {
                return LocalDateTime.parse(v.asText()).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw new MessageFormatException(what + " must be an ISO 8601 date-time, was '" + v.asText() + "'");
            }
        }
    }
}
