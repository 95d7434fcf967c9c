package org.celeriac.pool.api;

import java.util.Collection;
import java.util.TreeSet;

/** No {@link Task} service is registered with the requested {@code task.name}. */
public final class UnknownTaskException extends CeleriacException {
    private final String taskName;

    public UnknownTaskException(String taskName, Collection<String> known) {
        super("unknown task '" + taskName + "'; registered tasks: " + new TreeSet<>(known));
        this.taskName = taskName;
    }

    /** The name nobody registered. */
    public String taskName() {
        return taskName;
    }
}
