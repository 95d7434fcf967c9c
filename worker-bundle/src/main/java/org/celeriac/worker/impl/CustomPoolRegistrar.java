package org.celeriac.worker.impl;

import java.lang.System.Logger.Level;
import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolProperties;
import org.celeriac.pool.spi.AbstractPool;
import org.celeriac.pool.spi.PoolEnvironment;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.BundleTracker;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Celery's {@code CELERY_CUSTOM_WORKER_POOL=module:Class}: {@code CELERIAC_CUSTOM_WORKER_POOL=<bundle-symbolic-name>:<class>}
 * (or the framework property {@value #PROPERTY}) loads a {@link BasePool} class from an installed bundle and
 * registers it as {@code pool.name=custom}. The class needs a public constructor taking a
 * {@link PoolEnvironment}, or a public no-argument one.
 *
 * <p>A wrong value is reported as one ERROR line naming the value and what is allowed; the worker keeps
 * running on its configured pool. If the bundle is not installed yet, the pool is registered when it is.
 */
@Component(immediate = true)
public final class CustomPoolRegistrar {
    static final String ENV = "CELERIAC_CUSTOM_WORKER_POOL";
    static final String PROPERTY = "celeriac.custom.worker.pool";
    private static final System.Logger LOG = System.getLogger(CustomPoolRegistrar.class.getName());

    private final PoolEnvironment env;
    private BundleTracker<ServiceRegistration<?>> tracker;

    @Activate
    public CustomPoolRegistrar(@Reference PoolEnvironment env, BundleContext context) {
        this.env = env;
        String spec = context.getProperty(PROPERTY);
        if (spec == null) {
            spec = System.getenv(ENV);
        }
        if (spec == null || spec.isBlank()) {
            return;
        }
        String value = spec.trim();
        int colon = value.indexOf(':');
        if (colon <= 0 || colon == value.length() - 1 || value.indexOf(':', colon + 1) >= 0) {
            LOG.log(Level.ERROR, ENV + "='" + value + "' is malformed: expected <bundle-symbolic-name>:<fully.qualified.Class>"
                    + ", e.g. org.celeriac.example-forkjoin:org.celeriac.examples.forkjoin.ForkJoinPoolService");
            return;
        }
        String bsn = value.substring(0, colon);
        String className = value.substring(colon + 1);
        boolean present = Arrays.stream(context.getBundles()).anyMatch(b -> bsn.equals(b.getSymbolicName()));
        if (!present) {
            LOG.log(Level.ERROR, ENV + "='" + value + "': no bundle '" + bsn + "' is installed (installed: "
                    + Arrays.stream(context.getBundles()).map(Bundle::getSymbolicName).filter(java.util.Objects::nonNull).sorted().collect(Collectors.joining(", "))
                    + "); the custom pool will be registered if it is installed later");
        }
        tracker = new BundleTracker<>(context, Bundle.ACTIVE, null) {
            @Override
            public ServiceRegistration<?> addingBundle(Bundle bundle, BundleEvent event) {
                return bsn.equals(bundle.getSymbolicName()) ? register(value, bundle, className) : null;
            }

            @Override
            public void removedBundle(Bundle bundle, BundleEvent event, ServiceRegistration<?> registration) {
                try {
                    registration.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // the framework unregistered it with the bundle
                }
            }
        };
        tracker.open();
    }

    @Deactivate
    void deactivate() {
        if (tracker != null) {
            tracker.close();
        }
    }

    private ServiceRegistration<?> register(String spec, Bundle bundle, String className) {
        Class<?> type;
        try {
            type = bundle.loadClass(className);
        } catch (ClassNotFoundException e) {
            LOG.log(Level.ERROR, ENV + "='" + spec + "': bundle " + bundle.getSymbolicName() + " has no class " + className);
            return null;
        }
        if (!BasePool.class.isAssignableFrom(type)) {
            LOG.log(Level.ERROR, ENV + "='" + spec + "': " + className + " does not implement " + BasePool.class.getName());
            return null;
        }
        Constructor<?> constructor = constructor(type);
        if (constructor == null) {
            LOG.log(Level.ERROR, ENV + "='" + spec + "': " + className
                    + " needs a public constructor taking a PoolEnvironment, or a public no-argument one");
            return null;
        }
        BasePool probe;
        try {
            probe = instantiate(constructor);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, ENV + "='" + spec + "': cannot create " + className + ": " + e.getMessage());
            return null;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(PoolProperties.POOL_NAME, "custom");
        props.put(PoolProperties.POOL_GREEN, probe.isGreen());
        props.put(PoolProperties.POOL_SIGNAL_SAFE, probe.signalSafe());
        props.put("service.ranking", 0);
        props.put("pool.class", className);
        probe.terminate();
        ServiceRegistration<?> reg = bundle.getBundleContext().registerService(BasePool.class.getName(), new PrototypeServiceFactory<BasePool>() {
                    @Override
                    public BasePool getService(Bundle b, ServiceRegistration<BasePool> r) {
                        return instantiate(constructor);
                    }

                    @Override
                    public void ungetService(Bundle b, ServiceRegistration<BasePool> r, BasePool pool) {
                        close(pool);
                    }
                }, props);
        LOG.log(Level.INFO, "registered custom pool " + className + " from " + bundle.getSymbolicName() + " as pool.name=custom");
        return reg;
    }

    /**
     * Released (the worker swapped away, or the pool's bundle stops): the same graceful close a pool
     * component gets from DS on deactivation, so running tasks finish within the grace period either way.
     */
    private static void close(BasePool pool) {
        if (!pool.close(AbstractPool.DEACTIVATION_GRACE)) {
            LOG.log(Level.WARNING, "custom pool " + pool.name() + " did not stop within " + AbstractPool.DEACTIVATION_GRACE
                    + "; terminated it");
        }
    }

    private static Constructor<?> constructor(Class<?> type) {
        try {
            return type.getConstructor(PoolEnvironment.class);
        } catch (NoSuchMethodException e) {
            try {
                return type.getConstructor();
            } catch (NoSuchMethodException e2) {
                return null;
            }
        }
    }

    private BasePool instantiate(Constructor<?> constructor) {
        try {
            return (BasePool) (constructor.getParameterCount() == 1 ? constructor.newInstance(env) : constructor.newInstance());
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(cause.toString(), cause);
        }
    }
}
