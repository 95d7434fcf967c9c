package org.celeriac.pool.prefork.protocol;

/**
 * One message between the worker and a child: {@code [int length][byte type][long job][payload]}, where
 * {@code length} counts the bytes after itself and the payload is UTF-8 JSON (never Java serialization).
 * {@code job} is the pool's number for the task (0 when the frame is about no task).
 */
public record Frame(byte type, long job, byte[] payload) {
    /** Child → worker, first frame: {@code {"secret": ..., "pid": ...}} proves the child is the one the pool started. */
    public static final byte HELLO = 1;
    /**
     * Worker → child: run a task, {@code {"id", "name", "args", "kwargs", "headers", "soft", "expires"}}
     * (headers only when any; {@code expires} in epoch milliseconds, only when set: the child fails a task it
     * gets to later with TaskExpiredException), unless the worker has taken it back ({@link JobSlots}); a
     * task taken back is not answered.
     */
    public static final byte TASK = 2;
    /** Child → worker: a task's outcome, {@code {"ok": true, "value"} | {"ok": false, "type", "message", "trace"}} plus {@code "rss"}. */
    public static final byte RESULT = 3;
    /** Worker → child: finish what you have, then exit. */
    public static final byte SHUTDOWN = 4;
    /** Child → worker: ready for work, tasks loaded; the value Celery's prefork children send. */
    public static final byte WORKER_UP = 15;

    /** Bytes of the header after the length field: type (1) and job (8). */
    public static final int HEADER = 9;

    static boolean known(byte type) {
        return type == HELLO || type == TASK || type == RESULT || type == SHUTDOWN || type == WORKER_UP;
    }
}
