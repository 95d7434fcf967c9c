package org.celeriac.pool.api;

import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The tasks that can run, by name. In a container it tracks the {@link Task} whiteboard (the api bundle
 * registers it as a service); thread-safe, and a lookup never blocks.
 */
@ProviderType
public interface TaskRegistry {

    /**
     * The task registered under {@code name}; when several are, the one with the highest service ranking.
     *
     * @throws UnknownTaskException no task has that name; the message lists the known ones
     */
    Task lookup(String name);

    /** The names registered now. */
    Set<String> names();
}
