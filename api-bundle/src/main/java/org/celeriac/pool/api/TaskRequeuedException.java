package org.celeriac.pool.api;

/** Fails the pool-side handle of a request that {@link BasePool#drainPending()} handed back: whoever drained it now owns the request and re-routes it, so this is not a task failure. */
public final class TaskRequeuedException extends CeleriacException {
    public TaskRequeuedException(String message) {
        super(message);
    }
}
