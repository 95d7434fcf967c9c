package org.celeriac.worker.impl;

import java.util.List;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolProperties;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;

/** A pool offered as a {@code BasePool} service of prototype scope: each {@link #acquire()} is a new instance. */
final class ServicePoolOffer implements PoolOffer {
    private final ServiceReference<BasePool> ref;
    /** Null if the service went away before the worker saw it. */
    private final ServiceObjects<BasePool> objects;

    /** Read once: the catalog's order must not change under it if the service's properties do. */
    private final int ranking;

    ServicePoolOffer(BundleContext context, ServiceReference<BasePool> ref) {
        this.ref = ref;
        this.objects = context.getServiceObjects(ref);
        this.ranking = ref.getProperty(Constants.SERVICE_RANKING) instanceof Integer r ? r : 0;
    }

    ServiceReference<BasePool> ref() {
        return ref;
    }

    @Override
    public List<String> names() {
        Object value = ref.getProperty(PoolProperties.POOL_NAME);
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof String[] a && a.length > 0) {
            return List.of(a);
        }
        return List.of("unnamed-" + ref.getProperty(Constants.SERVICE_ID));
    }

    @Override
    public int ranking() {
        return ranking;
    }

    @Override
    public long order() {
        return ref.getProperty(Constants.SERVICE_ID) instanceof Long id ? id : 0;
    }

    @Override
    public boolean green() {
        return Boolean.TRUE.equals(ref.getProperty(PoolProperties.POOL_GREEN));
    }

    @Override
    public boolean signalSafe() {
        return Boolean.TRUE.equals(ref.getProperty(PoolProperties.POOL_SIGNAL_SAFE));
    }

    @Override
    public String origin() {
        return ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName();
    }

    @Override
    public BasePool acquire() {
        return objects == null ? null : objects.getService();
    }

    @Override
    public void release(BasePool pool) {
        if (objects != null && ref.getBundle() != null) { // once unregistered, SCR has released the instance itself
            try {
                objects.ungetService(pool);
            } catch (IllegalStateException | IllegalArgumentException gone) {
                // unregistered in between: released by SCR
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServicePoolOffer other && other.ref.equals(ref);
    }

    @Override
    public int hashCode() {
        return ref.hashCode();
    }

    @Override
    public String toString() {
        return "pool " + names() + " from " + origin();
    }
}
