package org.celeriac.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/** Timing and memory helpers of the harness: best-of-N wall time, peak heap across all heap pools. */
final class Measure {
    private Measure() {
    }

    /** Something to time; returns a value the JIT cannot discard. */
    @FunctionalInterface
    interface Run {
        long run() throws Exception;
    }

    /** Runs {@code warmups} untimed and {@code reps} timed repetitions; returns the best time in nanos. */
    static long bestNanos(int warmups, int reps, Run run) throws Exception {
        long sink = 0;
        for (int i = 0; i < warmups; i++) {
            sink += run.run();
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            sink += run.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        if (sink == 42) {
            System.out.print("");
        }
        return best;
    }

    /** Forgets the peak usage of every heap pool, after a GC, so the next {@link #peakHeapBytes()} is fresh. */
    static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peak usage since the last reset (an upper bound of the live peak). */
    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
