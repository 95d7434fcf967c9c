package org.celeriac.pool.api;

/** Raised inside a task (by {@link TaskContext#checkSoftTimeLimit()}, or reported when an interrupted task throws) once its soft time limit passed; the task may catch it to clean up. */
public final class SoftTimeLimitExceededException extends CeleriacException {
    public SoftTimeLimitExceededException(String message) {
        super(message);
    }

    public SoftTimeLimitExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
