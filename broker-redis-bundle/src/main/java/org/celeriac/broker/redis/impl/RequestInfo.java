package org.celeriac.broker.redis.impl;

import java.util.LinkedHashMap;
import java.util.Map;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.pool.api.TaskHandle;

/**
 * Celery's {@code Request.info()}: how {@code inspect active | reserved | scheduled | query_task} describe a
 * task, with the same keys (Flower reads {@code time_start} and {@code delivery_info}).
 */
final class RequestInfo {
    private RequestInfo() {
    }

    /** {@code delivery}: the message it came in, or {@code null} for a task that did not come through this broker. */
    static Map<String, Object> of(TaskHandle h, Delivery delivery, String hostname) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("id", h.taskId());
        t.put("name", h.request().name());
        t.put("args", h.request().args());
        t.put("kwargs", h.request().kwargs());
        t.put("type", h.request().name());
        t.put("hostname", hostname);
        t.put("time_start", delivery == null || delivery.startedAt() == 0 ? null : delivery.startedAt());
        t.put("acknowledged", false); // acks_late: a message is acknowledged once its task finished
        t.put("delivery_info", delivery == null ? null : deliveryInfo(delivery.message));
        t.put("worker_pid", workerPid(h.workerId()));
        return t;
    }

    private static Map<String, Object> deliveryInfo(KombuMessage m) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("exchange", m.exchange());
        info.put("routing_key", m.routingKey());
        info.put("priority", m.priority());
        info.put("redelivered", m.redelivered());
        return info;
    }

    /** A child's pid as a number, as Celery reports it; a thread's name as it is. */
    static Object workerPid(String workerId) {
        if (workerId != null && workerId.chars().allMatch(Character::isDigit) && !workerId.isEmpty()) {
            return Long.parseLong(workerId);
        }
        return workerId;
    }
}
