package org.celeriac.pool.api;

/** The expires time of the task passed before it could start; like Celery, it is revoked, not run. */
public final class TaskExpiredException extends CeleriacException {
    public TaskExpiredException(String message) {
        super(message);
    }
}
