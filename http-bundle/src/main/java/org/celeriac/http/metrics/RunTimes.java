package org.celeriac.http.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The run times of the last {@code capacity} tasks, for percentiles on the dashboard (Prometheus gets the
 * histogram). Recording is one atomic increment and one store; a reader copies and sorts.
 */
public final class RunTimes {
    private final long[] nanos;
    private final AtomicLong next = new AtomicLong();

    public RunTimes(int capacity) {
        this.nanos = new long[capacity];
    }

    public void record(long runNanos) {
        nanos[(int) (next.getAndIncrement() % nanos.length)] = runNanos;
    }

    /** Percentiles of the kept run times, in the order asked (each 0–100), in nanoseconds; empty if none. */
    public long[] percentiles(double... ps) {
        int n = (int) Math.min(next.get(), nanos.length);
        if (n == 0) {
            return new long[0];
        }
        long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        long[] out = new long[ps.length];
        for (int i = 0; i < ps.length; i++) {
            int rank = (int) Math.ceil(ps[i] / 100.0 * n); // nearest-rank method
            out[i] = sorted[Math.max(0, Math.min(n - 1, rank - 1))];
        }
        return out;
    }

    /** How many run times are kept now. */
    public int size() {
        return (int) Math.min(next.get(), nanos.length);
    }
}
