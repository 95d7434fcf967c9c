package org.celeriac.http.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Tasks finished per second over the last {@code seconds} seconds, succeeded and failed apart: the
 * dashboard's chart. Lock-free on the recording path (one slot per second, reused round the ring); a slot
 * is cleared once when its second comes round again.
 */
public final class Throughput {
    private final int seconds;
    private final AtomicLongArray stamp;
    private final AtomicLongArray succeeded;
    private final AtomicLongArray failed;

    public Throughput(int seconds) {
        this.seconds = seconds;
        this.stamp = new AtomicLongArray(seconds);
        this.succeeded = new AtomicLongArray(seconds);
        this.failed = new AtomicLongArray(seconds);
    }

    /** Counts one task that ended in second {@code epochSecond}. */
    public void record(boolean success, long epochSecond) {
        int i = (int) (epochSecond % seconds);
        if (stamp.get(i) != epochSecond) {
            synchronized (this) {
                if (stamp.get(i) != epochSecond) {
                    succeeded.set(i, 0);
                    failed.set(i, 0);
                    stamp.set(i, epochSecond);
                }
            }
        }
        (success ? succeeded : failed).incrementAndGet(i);
    }

    /** One second of the chart. */
    public record Second(long epochSecond, long succeeded, long failed) {
    }

    /** The last {@code n} seconds up to and including {@code nowSecond}, oldest first (zeros where nothing ended). */
    public List<Second> last(int n, long nowSecond) {
        List<Second> out = new ArrayList<>(n);
        for (long s = nowSecond - Math.min(n, seconds) + 1; s <= nowSecond; s++) {
            int i = (int) (s % seconds);
            out.add(stamp.get(i) == s ? new Second(s, succeeded.get(i), failed.get(i)) : new Second(s, 0, 0));
        }
        return out;
    }
}
