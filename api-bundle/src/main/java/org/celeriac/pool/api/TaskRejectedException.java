package org.celeriac.pool.api;

/** A pool refused a new task because it is not running (INIT, CLOSE or TERMINATE). Thrown synchronously by {@link BasePool#applyAsync(TaskRequest)}; no handle exists for the request. */
public final class TaskRejectedException extends IllegalStateException {
    public TaskRejectedException(String message) {
        super(message);
    }
}
