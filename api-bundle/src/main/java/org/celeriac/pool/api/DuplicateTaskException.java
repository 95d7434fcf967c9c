package org.celeriac.pool.api;

/**
 * A task was submitted under an id that a task still pending or running holds: a task id runs once. The new
 * submission fails with this and nothing runs; the running task is not affected. A broker acknowledges a
 * duplicate message on this error without reporting a result (the original will).
 *
 * @since 1.3
 */
public final class DuplicateTaskException extends CeleriacException {
    public DuplicateTaskException(String message) {
        super(message);
    }
}
