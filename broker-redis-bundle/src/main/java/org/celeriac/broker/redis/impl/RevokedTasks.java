package org.celeriac.broker.redis.impl;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Task ids revoked by remote control, remembered so a message for one of them arriving later is not run —
 * Celery's {@code revoked} {@code LimitedSet}: at most {@value #MAX} ids, each kept {@link #KEEP}. Thread-safe.
 */
final class RevokedTasks {
    static final int MAX = 50_000;
    static final Duration KEEP = Duration.ofHours(3);

    private final LinkedHashMap<String, Long> revokedAt = new LinkedHashMap<>();

    synchronized void add(String taskId) {
        revokedAt.remove(taskId);
        revokedAt.put(taskId, System.nanoTime());
        purge();
    }

    synchronized boolean contains(String taskId) {
        purge();
        return revokedAt.containsKey(taskId);
    }

    synchronized List<String> ids() {
        purge();
        return List.copyOf(revokedAt.keySet());
    }

    private void purge() {
        long now = System.nanoTime();
        Iterator<Map.Entry<String, Long>> it = revokedAt.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            if (revokedAt.size() <= MAX && now - e.getValue() < KEEP.toNanos()) {
                break; // insertion order: the rest are younger
            }
            it.remove();
        }
    }
}
