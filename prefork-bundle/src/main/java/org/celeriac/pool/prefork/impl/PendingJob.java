package org.celeriac.pool.prefork.impl;

import java.time.Duration;
import org.celeriac.pool.spi.PoolTaskHandle;

/**
 * A task on its way through the hub: the pool's number for it, its handle, and its TASK frame already
 * encoded by the submitting thread (JSON encoding stays off the hub thread). The frame is kept as its bytes
 * and wrapped when sent: a buffer per queued task would add 56 bytes to each task in flight.
 */
final class PendingJob {
    final long number;
    final PoolTaskHandle handle;
    final byte[] frame;
    final Duration hardLimit;
    /** The number of its TASK frame to the child it was sent to last ({@link Child#framesSent}). */
    long frameNumber;
    /** Why the hub is about to kill the child running this job, if it is the hub's doing. */
    Throwable killReason;

    PendingJob(long number, PoolTaskHandle handle, byte[] frame, Duration hardLimit) {
        this.number = number;
        this.handle = handle;
        this.frame = frame;
        this.hardLimit = hardLimit;
    }

    String taskId() {
        return handle.taskId();
    }
}
