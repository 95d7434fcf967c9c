package org.celeriac.broker.redis.impl;

import java.util.concurrent.atomic.AtomicBoolean;
import org.celeriac.broker.celery.KombuMessage;
import org.celeriac.pool.api.TaskHandle;

/**
 * One message taken from a queue and not yet settled. It is settled exactly once — acknowledged (with or
 * without a result) or put back — whichever of the task's completion, a shutdown or a lost connection gets
 * there first; {@link #settle()} decides.
 */
final class Delivery {
    final String tag;
    /** The Redis key it was popped from: where a requeue puts it back. */
    final String queueKey;
    final KombuMessage message;
    /** Counted against the prefetch limit (tasks held for a later ETA are not, as in Celery). */
    final boolean counted;
    /** When it was taken ({@link System#nanoTime()}): a task event's runtime counts from here. */
    final long takenAt = System.nanoTime();
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile TaskHandle handle;
    /** When a pool started its task (epoch seconds, Celery's {@code time_start}), or 0. */
    private volatile double startedAt;

    Delivery(String tag, String queueKey, KombuMessage message, boolean counted) {
        this.tag = tag;
        this.queueKey = queueKey;
        this.message = message;
        this.counted = counted;
    }

    /** Claims the right to settle it: {@code true} exactly once. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }

    void started() {
        startedAt = System.currentTimeMillis() / 1000.0;
    }

    double startedAt() {
        return startedAt;
    }

    void handle(TaskHandle handle) {
        this.handle = handle;
    }

    /** The worker's handle, once submitted. */
    TaskHandle handle() {
        return handle;
    }
}
