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
        return encode(taskId, "SUCCESS", result, null, done);
    }

    /** The stored value for a task that failed or was revoked. */
    public static String failure(String taskId, CeleryError error, Instant done) {
        return encode(taskId, error.state(), exception(error), error.traceback(), done);
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
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("status", status);
        meta.put("result", result);
        meta.put("traceback", traceback);
        meta.put("children", List.of());
        // Python's isoformat(): microseconds and an explicit UTC offset, which every Celery version parses.
        meta.put("date_done", ISO_MICROS.format(done.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC)));
        meta.put("task_id", taskId);
        return Json.write(meta);
    }
}
