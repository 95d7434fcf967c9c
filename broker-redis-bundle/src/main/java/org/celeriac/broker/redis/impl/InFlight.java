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
 *
 * <p>A message stops counting against the limit when its task is done and it is handed to the
 * {@link Acknowledger} ({@link #settling}), not when Redis has the acknowledgement: Celery's worker acknowledges
 * right after the task and kombu's QoS frees the slot then; ours is deferred only to batch it. Counting it until
 * Redis answered made the prefetch window pay the acknowledgement's round trip and throttled the worker at
 * ~20k tasks/s. So that a slow Redis cannot pile up finished tasks, at most {@value #MAX_SETTLING} may wait for
 * their acknowledgement before the consumer takes nothing more.
 */
final class InFlight {
    static final int MAX_SETTLING = 1024;
    private final Map<String, Delivery> byTag = new ConcurrentHashMap<>();
    private final IntSupplier limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomFreed = lock.newCondition();
    /**
     * Taken and not yet dispatched ({@link #reserve}), or held, counted against the limit and not yet handed to
     * the acknowledger. Guarded by {@link #lock}.
     */
    private int counted;
    /** Handed to the acknowledger, not yet settled in Redis. Guarded by {@link #lock}. */
    private int settling;

    /** @param limit the current prefetch limit (read on every wait, so it follows pool resizes); at least 1 */
    InFlight(IntSupplier limit) {
        this.limit = limit;
    }

    /**
     * Waits until fewer than the limit are taken and unfinished, and the acknowledger keeps up, at most
     * {@code timeout}.
     *
     * @return how many more may be taken now, 0 on timeout
     */
    int awaitRoom(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            // Read outside the lock: the limit may ask the pool (prefork: its hub thread), and that thread may be
            // completing a task and waiting for this lock in settling() — a deadlock until the pool's call timed out.
            int max = Math.max(1, limit.getAsInt());
            lock.lock();
            try {
                int room = settling >= MAX_SETTLING ? 0 : max - counted;
                if (room > 0) {
                    return room;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
                roomFreed.awaitNanos(left);
            } finally {
                lock.unlock();
            }
        }
    }

    /** {@code n} messages were taken: they count against the limit until each is {@linkplain #add added}. */
    void reserve(int n) {
        lock.lock();
        try {
            counted += n;
        } finally {
            lock.unlock();
        }
    }

    /** Holds {@code d}, taken under a {@linkplain #reserve reservation}; one not {@code counted} frees its slot. */
    void add(Delivery d) {
        byTag.put(d.tag, d);
        if (!d.counted) {
            release();
        }
    }

    /** The message of {@code tag} was taken under a reservation and could not be dispatched: frees its slot. */
    void unreserve(String tag) {
        if (!byTag.containsKey(tag)) {
            release();
        }
    }

    private void release() {
        lock.lock();
        try {
            counted--;
            roomFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {@code d} (held) was handed to the acknowledger: it no longer counts against the limit. Once per delivery. */
    void settling(Delivery d) {
        lock.lock();
        try {
            if (d.counted) {
                counted--;
            }
            settling++;
            roomFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {@code d}, handed to the acknowledger before, is settled in Redis. */
    void remove(Delivery d) {
        if (byTag.remove(d.tag, d)) {
            lock.lock();
            try {
                settling--;
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
