package org.celeriac.shell;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.celeriac.pool.api.Task;
import org.osgi.framework.ServiceReference;

/** The registered task names, read off the framework's {@link Task} services. */
final class TaskNames {
    private TaskNames() {
    }

    /** Every name the services in {@code refs} register, sorted, each with the symbolic name of its bundle. */
    static SortedMap<String, String> of(List<ServiceReference<Task>> refs) {
        SortedMap<String, String> names = new TreeMap<>();
        if (refs != null) {
            for (ServiceReference<Task> ref : refs) {
                if (ref.getBundle() != null) {
                    for (String name : Task.namesOf(ref.getProperty(Task.NAME_PROPERTY))) {
                        names.putIfAbsent(name, ref.getBundle().getSymbolicName());
                    }
                }
            }
        }
        return names;
    }
}
