package org.celeriac.worker.impl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every task the worker holds (pending: accepted and not finished) and the last finished ones
 * ({@link RecentResults}). A task id is pending at most once: {@link #admit} refuses a second task under an
 * id that is pending, and a finished task frees its id before anyone hears of its outcome, so a retry sent
 * from a completion callback is admitted.
 *
 * <p>Thread-safe. A finished handle enters the recent results before it leaves the pending ones: a lookup in
 * between finds it in both, never in neither.
 */
final class TaskBook {
    private final ConcurrentHashMap<String, WorkerTaskHandle> pending = new ConcurrentHashMap<>();
    private final RecentResults recent;

    TaskBook(int retention) {
        this.recent = new RecentResults(retention);
    }

    /** Changes how many finished tasks are kept (a smaller number evicts the oldest at once). */
    void retention(int n) {
        recent.retention(n);
    }

    /** Records {@code h} as pending; {@code false} if a task with its id is pending already. */
    boolean admit(WorkerTaskHandle h) {
        return pending.putIfAbsent(h.taskId(), h) == null;
    }

    /** Called once by each handle as it completes. */
    void finished(WorkerTaskHandle h) {
        recent.add(h);
        pending.remove(h.taskId(), h);
    }

    /** The pending task with this id, or {@code null}. */
    WorkerTaskHandle pending(String taskId) {
        return pending.get(taskId);
    }

    Collection<WorkerTaskHandle> pendingTasks() {
        return List.copyOf(pending.values());
    }

    int pendingCount() {
        return pending.size();
    }

    /** The pending task with this id, else the kept result. */
    Optional<WorkerTaskHandle> find(String taskId) {
        WorkerTaskHandle h = pending.get(taskId);
        return h != null ? Optional.of(h) : recent.get(taskId);
    }

    /** Whether this task finished here and its result is no longer kept. */
    boolean evicted(String taskId) {
        return pending.get(taskId) == null && recent.wasEvicted(taskId);
    }

    /** Pending tasks, then the kept results newest first; each task once. */
    List<WorkerTaskHandle> all() {
        List<WorkerTaskHandle> all = new ArrayList<>(pending.values());
        for (WorkerTaskHandle h : recent.newestFirst()) {
            if (!pending.containsKey(h.taskId())) { // between recent.add and pending.remove it is listed once
                all.add(h);
            }
        }
        return all;
    }
}
