package org.celeriac.pool.prefork.impl;

import java.util.Map;
import java.util.Set;

/**
 * What the hub tells its pool, and the one thing it asks. Called on the hub thread: implementations must
 * return at once and never block on the pool's own locks (the pool's lifecycle lock may be held by a thread
 * that waits for the hub).
 */
interface HubListener {

    /** A child said WORKER_UP, {@code startupNanos} after it was spawned. */
    void childUp(long pid, long startupNanos);

    /** A child left as asked (recycled, shrunk, restarted, pool stopping). */
    void childRetired(long pid, String reason);

    /** A child died or was killed; {@code why} says how. */
    void childLost(long pid, String why);

    /** Task name → why children of the current task set cannot run it (empty: they can run every task). */
    void unavailableInChildren(Map<String, String> unavailable);

    /** The task names the worker knows now. */
    Set<String> workerTaskNames();
}
