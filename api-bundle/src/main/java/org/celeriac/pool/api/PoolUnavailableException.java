package org.celeriac.pool.api;

/** No pool could take the task: none is installed or selectable within the configured wait. */
public final class PoolUnavailableException extends CeleriacException {
    public PoolUnavailableException(String message) {
        super(message);
    }
}
