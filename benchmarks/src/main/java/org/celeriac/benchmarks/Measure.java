package org.celeriac.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;

/** Timing and memory helpers of the harness: best-of-N or paired wall times, peak heap across all heap pools. */
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

    /** Times of a baseline and of Celeriac, measured alternately in the same rounds (nanos). */
    record Paired(Spread baseline, Spread celeriac) {
    }

    /**
     * Runs {@code warmups} untimed rounds, then {@code rounds} timed ones, each timing {@code baseline} then
     * {@code celeriac} once. Alternating puts both under the same machine weather (on these shared machines a
     * figure swings by up to 2x between minutes, so best-of-N of one side, then of the other, compared two
     * different machines).
     *
     * <p>Each timed run starts on a freshly collected heap, outside its timing. Runs that keep millions of
     * results alive until they end made the collector's work land on whichever side filled the young
     * generation, copying the other side's survivors as well: threads dispatch measured 0.34x to 2.6x raw in
     * consecutive rounds of one process, with up to 290 ms of collection in one side's window and none in the
     * other's. Collected first, each side pays for its own garbage only, and the rounds agreed within ±15 %.
     */
    static Paired paired(int warmups, int rounds, Run baseline, Run celeriac) throws Exception {
        long sink = 0;
        for (int i = 0; i < warmups; i++) {
            sink += baseline.run() + celeriac.run();
        }
        List<Double> b = new ArrayList<>();
        List<Double> c = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            b.add(onCleanHeap(baseline));
            c.add(onCleanHeap(celeriac));
        }
        if (sink == 42) {
            System.out.print("");
        }
        return new Paired(Spread.of(b), Spread.of(c));
    }

    /** Collects the heap, then times one run (nanos). */
    private static double onCleanHeap(Run run) throws Exception {
        System.gc();
        long t0 = System.nanoTime();
        long sink = run.run();
        long t = System.nanoTime() - t0;
        if (sink == 42) {
            System.out.print("");
        }
        return t;
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

    /** The heap in use right after a full collection: what is reachable now. */
    static long liveHeapBytes() {
        System.gc();
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getUsage().getUsed();
            }
        }
        return sum;
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
