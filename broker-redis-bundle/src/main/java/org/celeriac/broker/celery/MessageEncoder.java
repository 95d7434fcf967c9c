package org.celeriac.broker.celery;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.celeriac.pool.api.TaskRequest;

/**
 * Writes kombu envelopes: the messages a Celery producer pushes to a Redis queue (protocol 2 task messages)
 * and the replies a worker sends to a remote-control caller. The output is what kombu's own producer writes,
 * key for key, so Python consumers read it unchanged. Stateless.
 */
public final class MessageEncoder {
    private MessageEncoder() {
    }

    /** A protocol 2 task message for {@code request}, routed to {@code queue} through the default exchange. */
    public static String task(TaskRequest request, String queue, int priority) {
        return task(request, queue, priority, List.of());
    }

    /** As {@link #task(TaskRequest, String, int)}, carrying the rest of a chain (reversed: next task last). */
    public static String task(TaskRequest request, String queue, int priority, List<JsonNode> chain) {
        return task(request, queue, priority, null, null, chain, null);
    }

    /**
     * As {@link #task(TaskRequest, String, int)}, carrying a whole canvas (a retried task keeps its own, a
     * chord's header task its chord); the request's {@code group} and {@code group_index} headers go with it.
     */
    public static String task(TaskRequest request, String queue, int priority, Canvas canvas) {
        return task(request, queue, priority, json(canvas.callbacks()), json(canvas.errbacks()), json(canvas.chain()),
                canvas.chord() == null ? null : canvas.chord().json());
    }

    private static List<JsonNode> json(List<Signature> signatures) {
        return signatures.isEmpty() ? null : signatures.stream().map(Signature::json).toList();
    }

    private static String task(TaskRequest request, String queue, int priority, List<JsonNode> callbacks,
                               List<JsonNode> errbacks, List<JsonNode> chain, JsonNode chord) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("lang", "java");
        headers.put("task", request.name());
        headers.put("id", request.id());
        headers.put("shadow", null);
        headers.put("eta", isoOrNull(request.eta()));
        headers.put("expires", isoOrNull(request.expires()));
        headers.put("group", request.headers().get("group"));
        headers.put("group_index", request.headers().get("group_index"));
        headers.put("retries", request.headers().getOrDefault("retries", 0));
        headers.put("timelimit", Arrays.asList(secondsOrNull(request.timeLimit()), secondsOrNull(request.softTimeLimit())));
        headers.put("root_id", request.headers().getOrDefault("root_id", request.id()));
        headers.put("parent_id", request.headers().get("parent_id"));
        headers.put("argsrepr", PythonRepr.of(request.args()));
        headers.put("kwargsrepr", PythonRepr.of(request.kwargs()));
        headers.put("origin", "celeriac@" + ProcessHandle.current().pid());
        headers.put("ignore_result", false);
        Map<String, Object> embed = new LinkedHashMap<>();
        embed.put("callbacks", callbacks);
        embed.put("errbacks", errbacks);
        embed.put("chain", chain == null || chain.isEmpty() ? null : chain);
        embed.put("chord", chord);
        List<Object> body = new ArrayList<>(List.of(request.args(), request.kwargs(), embed));
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("correlation_id", request.id());
        properties.put("priority", priority);
        return envelope(Json.write(body), headers, properties, "", queue);
    }

    /** A reply to a remote-control call: {@code {node: reply}}, with the caller's ticket. */
    public static String controlReply(String node, Object reply, String ticket, String exchange, String routingKey) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("ticket", ticket);
        headers.put("clock", 0);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(node, reply);
        return envelope(Json.write(body), headers, new LinkedHashMap<>(), exchange, routingKey);
    }

    /** A monitoring event, as {@code celery.events.EventDispatcher} publishes it (transient, JSON). */
    static String event(Map<String, Object> event, Map<String, Object> headers, String exchange, String routingKey) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("delivery_mode", 1); // transient, as Celery sends events
        return envelope(Json.write(event), headers, properties, exchange, routingKey);
    }

    private static String envelope(String jsonBody, Map<String, Object> headers, Map<String, Object> properties,
                                   String exchange, String routingKey) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("exchange", exchange);
        info.put("routing_key", routingKey);
        properties.putIfAbsent("priority", 0);
        properties.putIfAbsent("delivery_mode", 2);
        properties.put("delivery_info", info);
        properties.put("body_encoding", "base64");
        properties.put("delivery_tag", UUID.randomUUID().toString());
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("body", Base64.getEncoder().encodeToString(jsonBody.getBytes(StandardCharsets.UTF_8)));
        envelope.put("content-encoding", "utf-8");
        envelope.put("content-type", TaskMessageDecoder.JSON);
        envelope.put("headers", headers);
        envelope.put("properties", properties);
        return Json.write(envelope);
    }

    private static String isoOrNull(Instant t) {
        return t == null ? null : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.atOffset(ZoneOffset.UTC));
    }

    private static Double secondsOrNull(Duration d) {
        return d == null ? null : d.toNanos() / 1e9;
    }
}
