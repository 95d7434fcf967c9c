package org.celeriac.broker.celery;

import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Celery monitoring event ({@code celery events}, Flower): {@code {type, hostname, utcoffset, pid, clock,
 * timestamp, …fields}}, published on the {@code celeryev} topic exchange with the type as routing key
 * ({@code task-succeeded} → {@code task.succeeded}), as {@code celery.events.EventDispatcher} does.
 *
 * @param type       e.g. {@code worker-heartbeat}, {@code task-received}
 * @param routingKey the type with dots for dashes
 * @param envelope   the kombu message to deliver to every queue bound to {@code celeryev} for that key
 */
public record CeleryEvent(String type, String routingKey, String envelope) {
    public static final String EXCHANGE = "celeryev";

    /** Builds an event from {@code hostname} with Lamport clock value {@code clock}. */
    public static CeleryEvent of(String type, String hostname, long clock, Map<String, Object> fields) {
        Map<String, Object> event = new LinkedHashMap<>(fields);
        event.put("hostname", hostname);
        // Celery's utcoffset(): hours east of UTC.
        event.put("utcoffset", ZoneId.systemDefault().getRules().getOffset(Instant.now()).getTotalSeconds() / 3600);
        event.put("pid", ProcessHandle.current().pid());
        event.put("clock", clock);
        event.put("timestamp", System.currentTimeMillis() / 1000.0);
        event.put("type", type);
        String routingKey = type.replace('-', '.');
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("hostname", hostname);
        return new CeleryEvent(type, routingKey, MessageEncoder.event(event, headers, EXCHANGE, routingKey));
    }
}
