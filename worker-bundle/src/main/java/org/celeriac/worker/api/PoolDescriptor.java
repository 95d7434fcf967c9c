package org.celeriac.worker.api;

import java.util.List;

/**
 * A pool service the worker can use, as {@code celeriac:pools} lists it.
 *
 * @param names      the {@code pool.name} values, primary first (aliases after)
 * @param green      {@code pool.green}
 * @param signalSafe {@code pool.signal.safe}
 * @param ranking    {@code service.ranking}: failover goes to the highest ranking available
 * @param bundle     symbolic name of the bundle that registers it
 * @param active     whether the worker runs its tasks on this pool now
 */
public record PoolDescriptor(List<String> names, boolean green, boolean signalSafe, int ranking, String bundle,
                             boolean active) {
    public PoolDescriptor {
        names = List.copyOf(names);
    }

    /** The primary name. */
    public String name() {
        return names.get(0);
    }
}
