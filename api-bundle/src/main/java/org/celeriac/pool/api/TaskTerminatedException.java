package org.celeriac.pool.api;

/** The task was terminated ({@link BasePool#terminateJob(String)}, {@link TaskHandle#terminate()}) or cut off by {@link BasePool#terminate()}. */
public final class TaskTerminatedException extends CeleriacException {
    public TaskTerminatedException(String message) {
        super(message);
    }
}
