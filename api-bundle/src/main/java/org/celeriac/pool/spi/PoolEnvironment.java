package org.celeriac.pool.spi;

import java.util.Map;
import java.util.function.BiConsumer;
import org.celeriac.pool.api.TaskRegistry;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a pool needs from its container: the tasks it can run and a place to post events. In an OSGi
 * framework the api bundle registers one as a service (backed by the {@code Task} whiteboard and Event
 * Admin); outside one, {@link #of(TaskRegistry)} gives a standalone environment.
 */
@ConsumerType
public interface PoolEnvironment {

    /** The task registry. */
    TaskRegistry tasks();

    /**
     * Posts an event asynchronously (Event Admin's {@code postEvent}); never blocks on listeners and never
     * throws. Without an event service it does nothing.
     */
    void publish(String topic, Map<String, Object> properties);

    /** A standalone environment: these tasks, events dropped. */
    static PoolEnvironment of(TaskRegistry tasks) {
        return of(tasks, (topic, props) -> { });
    }

    /** A standalone environment: these tasks, events handed to {@code listener} on the publishing thread. */
    static PoolEnvironment of(TaskRegistry tasks, BiConsumer<String, Map<String, Object>> listener) {
        return new PoolEnvironment() {
            @Override
            public TaskRegistry tasks() {
                return tasks;
            }

            @Override
            public void publish(String topic, Map<String, Object> properties) {
                listener.accept(topic, properties);
            }
        };
    }
}
