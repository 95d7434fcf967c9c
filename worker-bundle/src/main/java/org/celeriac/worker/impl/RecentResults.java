package org.celeriac.worker.impl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The finished tasks the worker keeps for lookup ({@code celeriac:result}, {@link org.celeriac.worker.api.Worker#task}):
 * the last {@code result.retention}, oldest evicted first. The ids of evicted tasks are remembered a while
 * longer (ten times the retention, at least {@value #MIN_EVICTED_IDS}; an id costs ~100 bytes, a result can
 * cost megabytes) so that a lookup can say "its result was evicted" instead of "no such task".
 *
 * <p>Thread-safe; every method holds this object's monitor for a few map operations only.
 */
final class RecentResults {
    static final int MIN_EVICTED_IDS = 10_000;

    private final LinkedHashMap<String, WorkerTaskHandle> kept = new LinkedHashMap<>(); // oldest first
    private final LinkedHashSet<String> evicted = new LinkedHashSet<>();                 // oldest first
    private int retention;

    RecentResults(int retention) {
        retention(retention);
    }

    /** Changes how many results are kept; a smaller number evicts the oldest at once. */
    synchronized void retention(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("result.retention must be >= 0, was " + n);
        }
        retention = n;
        trim();
    }

    synchronized int retention() {
        return retention;
    }

    /** Records a finished task (a retried task id that finishes again moves to the newest place). */
    synchronized void add(WorkerTaskHandle h) {
        kept.remove(h.taskId());
        kept.put(h.taskId(), h);
        evicted.remove(h.taskId());
        trim();
    }

    synchronized Optional<WorkerTaskHandle> get(String taskId) {
        return Optional.ofNullable(kept.get(taskId));
    }

    /** Whether this task finished here and its result has since been evicted. */
    synchronized boolean wasEvicted(String taskId) {
        return evicted.contains(taskId);
    }

    /** The kept results, newest first. */
    synchronized List<WorkerTaskHandle> newestFirst() {
        List<WorkerTaskHandle> all = new ArrayList<>(kept.values());
        java.util.Collections.reverse(all);
        return all;
    }

    private void trim() {
        Iterator<Map.Entry<String, WorkerTaskHandle>> it = kept.entrySet().iterator();
        while (kept.size() > retention && it.hasNext()) {
            evicted.add(it.next().getKey());
            it.remove();
        }
        int rememberIds = Math.max(MIN_EVICTED_IDS, 10 * retention);
        Iterator<String> ids = evicted.iterator();
        while (evicted.size() > rememberIds && ids.hasNext()) {
            ids.next();
            ids.remove();
        }
    }
}
