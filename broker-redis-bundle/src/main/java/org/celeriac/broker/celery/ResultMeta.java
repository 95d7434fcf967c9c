package org.celeriac.broker.celery;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value Celery's key-value result backends store under {@code celery-task-meta-<task id>}:
 * {@code {status, result, traceback, children, date_done, task_id}}, JSON-encoded, which Python's
 * {@code AsyncResult} reads.
 */
public final class ResultMeta {
    /** The key prefix of Celery's key-value result backends. */
    public static final String KEY_PREFIX = "celery-task-meta-";

    private static final DateTimeFormatter ISO_MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    private ResultMeta() {
    }

    /** The stored value for a task that returned {@code result} (a JSON value). */
    public static String success(String taskId, Object result, Instant done) {
        return success(taskId, result, done, Map.of());
    }

    /** As {@link #success(String, Object, Instant)}, with {@code request}'s fields ({@link #requestFields}). */
    public static String success(String taskId, Object result, Instant done, Map<String, Object> request) {
        return encode(taskId, "SUCCESS", result, null, done, request);
    }

    /** The stored value for a task that failed or was revoked. */
    public static String failure(String taskId, CeleryError error, Instant done) {
        return failure(taskId, error, done, Map.of());
    }

    /** As {@link #failure(String, CeleryError, Instant)}, with {@code request}'s fields ({@link #requestFields}). */
    public static String failure(String taskId, CeleryError error, Instant done, Map<String, Object> request) {
        return encode(taskId, error.state(), exception(error), error.traceback(), done, request);
    }

    /**
     * What Celery's backend stores of the request beside a final result: {@code group_id} and {@code parent_id}
     * when there are, and with {@code result_extended} also {@code name}, {@code args}, {@code kwargs},
     * {@code worker}, {@code retries} and {@code queue} ({@code AsyncResult.name}, {@code .args}, …).
     */
    public static Map<String, Object> requestFields(DecodedTask.Run run, String worker, String queue, boolean extended) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (run.group() != null) {
            fields.put("group_id", run.group());
        }
        if (run.request().headers().get("parent_id") instanceof String parent) {
            fields.put("parent_id", parent);
        }
        if (extended) {
            fields.put("name", run.request().name());
            fields.put("args", run.request().args());
            fields.put("kwargs", run.request().kwargs());
            fields.put("worker", worker);
            fields.put("retries", Continuations.retries(run));
            fields.put("queue", queue);
        }
        return fields;
    }

    /** The stored value for a task a worker started ({@code STARTED}, Celery's {@code task_track_started}). */
    public static String started(String taskId, Map<String, Object> info, Instant when) {
        return encode(taskId, "STARTED", info, null, when);
    }

    /** The stored value for a task that failed and will run again ({@code RETRY}, not ready for {@code get()}). */
    public static String retry(String taskId, CeleryError error, Instant when) {
        return encode(taskId, "RETRY", exception(error), error.traceback(), when);
    }

    /** The exception as the backend stores it: {@code {exc_type, exc_message, exc_module}}. */
    static Map<String, Object> exception(CeleryError error) {
        Map<String, Object> exc = new LinkedHashMap<>();
        exc.put("exc_type", error.type());
        exc.put("exc_message", List.of(error.message() == null ? "" : error.message()));
        exc.put("exc_module", error.module());
        return exc;
    }

    private static String encode(String taskId, String status, Object result, String traceback, Instant done) {
        return encode(taskId, status, result, traceback, done, Map.of());
    }

    private static String encode(String taskId, String status, Object result, String traceback, Instant done,
                                 Map<String, Object> request) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("status", status);
        meta.put("result", result);
        meta.put("traceback", traceback);
        meta.put("children", List.of());
        // Python's isoformat(): microseconds and an explicit UTC offset, which every Celery version parses.
        meta.put("date_done", ISO_MICROS.format(done.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC)));
        meta.put("task_id", taskId);
        meta.putAll(request);
        return Json.write(meta);
    }
}
