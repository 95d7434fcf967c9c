package org.celeriac.pool.api;

/** The worker running a task died (a child process exited, crashed or was killed): Celery's {@code WorkerLostError}. The message says which worker, its exit code or signal, and whether memory was exhausted. */
public final class WorkerLostException extends CeleriacException {
    public WorkerLostException(String message) {
        super(message);
    }
}
