package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/** Exponential back-off for reconnecting to Redis: 100 ms doubling to 5 s, reset after a success. Not thread-safe. */
final class Backoff {
    private static final long FIRST_MS = 100;
    private static final long MAX_MS = 5_000;
    private long nextMs = FIRST_MS;

    void reset() {
        nextMs = FIRST_MS;
    }

    /** Logs {@code what} failed with {@code cause}, then sleeps the current back-off and doubles it. */
    void pause(Logger log, String what, Exception cause) throws InterruptedException {
        log.log(Level.WARNING, what + " (retrying in " + nextMs + " ms): " + cause);
        Thread.sleep(nextMs);
        nextMs = Math.min(MAX_MS, nextMs * 2);
    }
}
