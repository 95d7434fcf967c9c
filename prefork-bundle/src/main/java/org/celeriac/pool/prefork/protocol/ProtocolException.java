package org.celeriac.pool.prefork.protocol;

/** A peer sent bytes that are not a valid frame (oversized, negative length, unknown type): the channel is unusable. */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message);
    }
}
