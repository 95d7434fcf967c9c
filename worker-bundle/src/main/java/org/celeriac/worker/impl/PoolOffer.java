package org.celeriac.worker.impl;

import java.util.List;
import org.celeriac.pool.api.BasePool;

/**
 * An installed pool as the worker sees it: its names and flags, and fresh instances on demand. In the
 * container each offer is one {@code BasePool} service of prototype scope ({@link ServicePoolOffer}); the
 * worker's unit tests offer pools directly, so the switching logic is tested outside a framework.
 */
interface PoolOffer {

    /** The primary name first, then aliases ({@code pool.name} as a String or String[]). */
    List<String> names();

    default String name() {
        return names().get(0);
    }

    default boolean isNamed(String name) {
        return names().contains(name);
    }

    /** {@code service.ranking}: the highest-ranked offer is the fallback when the selected pool is missing. */
    int ranking();

    /** Orders offers of one ranking (the service id): the older one first, as the framework does. */
    long order();

    boolean green();

    boolean signalSafe();

    /** The symbolic name of the bundle that offers the pool, for messages. */
    String origin();

    /** A new, unstarted pool instance; {@code null} if the offer has been withdrawn meanwhile. */
    BasePool acquire();

    /** Gives an instance obtained from {@link #acquire()} back once it has terminated. */
    void release(BasePool pool);
}
