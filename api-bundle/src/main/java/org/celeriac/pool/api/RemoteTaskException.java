package org.celeriac.pool.api;

/**
 * A task running in another process (a prefork child, or a remote worker) threw. The original exception
 * cannot cross the process boundary as an object (payloads are JSON, never Java serialization), so its class
 * name, message and stack trace travel as text.
 */
public final class RemoteTaskException extends CeleriacException {
    private final String remoteType;
    private final String remoteTrace;

    public RemoteTaskException(String remoteType, String message, String remoteTrace) {
        super(remoteType + ": " + message);
        this.remoteType = remoteType;
        this.remoteTrace = remoteTrace;
    }

    /** Fully qualified class name of the exception the task threw. */
    public String remoteType() {
        return remoteType;
    }

    /** The remote stack trace, as {@code Throwable.printStackTrace} would have printed it. */
    public String remoteTrace() {
        return remoteTrace;
    }
}
