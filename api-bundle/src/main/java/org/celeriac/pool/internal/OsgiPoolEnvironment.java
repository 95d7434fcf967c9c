package org.celeriac.pool.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskRegistry;
import org.celeriac.pool.api.UnknownTaskException;
import org.celeriac.pool.spi.PoolEnvironment;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/**
 * The container's {@link PoolEnvironment} and {@link TaskRegistry}: tracks every {@link Task} service on the
 * whiteboard by its {@code task.name} (a String, or a String[] of aliases) and posts pool events through
 * Event Admin when one is present.
 *
 * <p>Lookups are on every task's hot path, so they read an immutable snapshot ({@code byName}) that
 * bind/unbind replace under the lock (copy-on-write): tasks come and go rarely, lookups never lock.
 */
@Component(service = {PoolEnvironment.class, TaskRegistry.class})
public final class OsgiPoolEnvironment implements PoolEnvironment, TaskRegistry {
    private static final System.Logger LOG = System.getLogger(OsgiPoolEnvironment.class.getName());

    /** Every registered task by reference, ordered by service ranking (highest last); guarded by this. */
    private final TreeMap<ServiceReference<Task>, Task> all = new TreeMap<>();
    private volatile Map<String, Task> byName = Map.of();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addTask(ServiceReference<Task> ref, Task task) {
        if (names(ref).isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "ignoring Task service " + ref.getProperty("service.id")
                    + " of bundle " + ref.getBundle().getSymbolicName() + ": it has no " + Task.NAME_PROPERTY + " property");
            return;
        }
        all.put(ref, task);
        rebuild();
    }

    synchronized void removeTask(ServiceReference<Task> ref, Task task) {
        if (all.remove(ref) != null) {
            rebuild();
        }
    }

    private void rebuild() {
        Map<String, Task> snapshot = new HashMap<>();
        for (Map.Entry<ServiceReference<Task>, Task> e : all.entrySet()) { // ascending ranking: the highest wins
            for (String name : names(e.getKey())) {
                snapshot.put(name, e.getValue());
            }
        }
        byName = Map.copyOf(snapshot);
    }

    private static List<String> names(ServiceReference<?> ref) {
        return Task.namesOf(ref.getProperty(Task.NAME_PROPERTY));
    }

    @Override
    public Task lookup(String name) {
        Task task = byName.get(name);
        if (task == null) {
            throw new UnknownTaskException(name, byName.keySet());
        }
        return task;
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public TaskRegistry tasks() {
        return this;
    }

    @Override
    public void publish(String topic, Map<String, Object> properties) {
        EventAdmin ea = eventAdmin;
        if (ea != null) {
            ea.postEvent(new Event(topic, properties));
        }
    }
}
