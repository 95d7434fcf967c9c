package org.celeriac.pool.api;

/** Base of the errors a Celeriac pool reports for a task or a pool; each names the value at fault. */
public class CeleriacException extends RuntimeException {
    public CeleriacException(String message) {
        super(message);
    }

    public CeleriacException(String message, Throwable cause) {
        super(message, cause);
    }
}
