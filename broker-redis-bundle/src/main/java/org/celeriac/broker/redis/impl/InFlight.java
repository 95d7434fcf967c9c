package org.celeriac.broker.redis.impl;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * The messages a consumer holds, and the prefetch bound on them (Celery's {@code worker_prefetch_multiplier}
 * × concurrency): the consumer takes a message only while fewer than the limit are held, so a busy worker
 * leaves the rest of the queue to other workers. Thread-safe.
 */
final class InFlight {
    private final Map<String, Delivery> byTag = new ConcurrentHashMap<>();
    private final IntSupplier limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomFreed = lock.newCondition();
    private int counted;

    /** @param limit the current prefetch limit (read on every wait, so it follows pool resizes); at least 1 */
    InFlight(IntSupplier limit) {
        this.limit = limit;
    }

    /**
     * Waits until fewer than the limit are held, at most {@code timeout}.
     *
     * @return how many more may be taken now, 0 on timeout
     */
    int awaitRoom(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            for (;;) {
                int room = Math.max(1, limit.getAsInt()) - counted;
                if (room > 0) {
                    return room;
                }
                if (nanos <= 0) {
                    return 0;
                }
                nanos = roomFreed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    void add(Delivery d) {
        byTag.put(d.tag, d);
        if (d.counted) {
            lock.lock();
            try {
                counted++;
            } finally {
                lock.unlock();
            }
        }
    }

    void remove(Delivery d) {
        if (byTag.remove(d.tag, d) && d.counted) {
            lock.lock();
            try {
                counted--;
                roomFreed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    int size() {
        return byTag.size();
    }

    List<Delivery> snapshot() {
        return List.copyOf(byTag.values());
    }

    List<String> tags() {
        return List.copyOf(byTag.keySet());
    }

    /** Waits up to {@code timeout} until nothing is held. @return whether nothing is */
    boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!byTag.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            lock.lock();
            try {
                roomFreed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
            } finally {
                lock.unlock();
            }
        }
        return true;
    }
}
