package org.celeriac.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The collector's stop-the-world pauses of this JVM as they happen, to tell how much of a stall was the
 * collector's. The JDK reports each collection's start and end in milliseconds of its own clock, whose zero
 * is not the runtime's uptime (they differ by ~15 ms, the JVM's own start); one {@code System.gc()} at
 * {@link #record()} maps that clock onto {@link System#nanoTime()}, to within a millisecond. Concurrent
 * cycles (G1's and ZGC's "Cycles" and "Concurrent" collectors) are left out: they do not stop application
 * threads.
 */
final class GcPauses {
    /** In milliseconds of the collector's clock. */
    private record Pause(long startMillis, long endMillis, String cause) {
    }

    private final List<Pause> pauses = new ArrayList<>(); // guarded by this
    /** {@code System.nanoTime()} at the collector clock's zero. */
    private final long zeroNanos;
    private final String collectors;

    private GcPauses() throws InterruptedException {
        List<GarbageCollectorMXBean> pausing = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(b -> !b.getName().contains("Cycles") && !b.getName().contains("Concurrent")).toList();
        collectors = pausing.stream().map(GarbageCollectorMXBean::getName).collect(Collectors.joining(", "));
        for (GarbageCollectorMXBean bean : pausing) {
            ((NotificationEmitter) bean).addNotificationListener((n, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                    GarbageCollectionNotificationInfo gc = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                    GcInfo info = gc.getGcInfo();
                    add(new Pause(info.getStartTime(), info.getEndTime(), gc.getGcCause()));
                }
            }, null, null);
        }
        System.gc(); // its end is now, give or take the return from the call
        long now = System.nanoTime();
        Pause calibration;
        synchronized (this) {
            while ((calibration = ours()) == null) {
                wait(); // the notification comes on the JDK's service thread, up to ~200 ms later
            }
            pauses.clear();
        }
        zeroNanos = now - calibration.endMillis() * 1_000_000L;
    }

    /** Starts recording; takes one full collection, to set the clock. */
    static GcPauses record() throws InterruptedException {
        return new GcPauses();
    }

    /** The collection {@code System.gc()} asked for, once it has been reported. */
    private Pause ours() {
        assert Thread.holdsLock(this);
        return pauses.stream().filter(p -> p.cause().equals("System.gc()")).findFirst().orElse(null);
    }

    private synchronized void add(Pause p) {
        pauses.add(p);
        notifyAll();
    }

    /** The collectors whose pauses are recorded, by their MXBean names. */
    String collectors() {
        return collectors;
    }

    /** Nanoseconds of collector pauses within {@code [from, to]} ({@link System#nanoTime()}). */
    synchronized long within(long from, long to) {
        long sum = 0;
        for (Pause p : pauses) {
            long start = zeroNanos + p.startMillis() * 1_000_000L;
            long end = zeroNanos + p.endMillis() * 1_000_000L;
            sum += Math.max(0, Math.min(to, end) - Math.max(from, start));
        }
        return sum;
    }
}
