package org.celeriac.pool.api;

/** The task ran past its hard time limit and was stopped (the thread abandoned, or the child killed). */
public final class TimeLimitExceededException extends CeleriacException {
    public TimeLimitExceededException(String message) {
        super(message);
    }
}
