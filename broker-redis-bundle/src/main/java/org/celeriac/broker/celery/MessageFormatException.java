package org.celeriac.broker.celery;

/** A message that cannot be read as what it claims to be; the message says what is wrong with it. */
public final class MessageFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public MessageFormatException(String message) {
        super(message);
    }
}
