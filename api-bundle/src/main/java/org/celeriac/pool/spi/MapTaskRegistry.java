package org.celeriac.pool.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskRegistry;
import org.celeriac.pool.api.UnknownTaskException;

/**
 * A {@link TaskRegistry} filled by hand: for pools embedded without an OSGi framework (a prefork child's
 * loader, a benchmark, a unit test). Thread-safe.
 */
public final class MapTaskRegistry implements TaskRegistry {
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();

    /** Registers {@code task} under {@code name}, replacing any previous one; returns this registry. */
    public MapTaskRegistry register(String name, Task task) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("task name must not be blank, was " + name);
        }
        tasks.put(name, Objects.requireNonNull(task, "task"));
        return this;
    }

    /** Removes the task registered under {@code name}, if any. */
    public void unregister(String name) {
        tasks.remove(name);
    }

    @Override
    public Task lookup(String name) {
        Task task = tasks.get(name);
        if (task == null) {
            throw new UnknownTaskException(name, tasks.keySet());
        }
        return task;
    }

    @Override
    public Set<String> names() {
        return Set.copyOf(tasks.keySet());
    }
}
