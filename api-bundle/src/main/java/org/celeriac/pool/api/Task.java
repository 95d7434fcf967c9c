package org.celeriac.pool.api;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A task implementation: Celery's {@code @app.task}. Task bundles register it on the OSGi service whiteboard
 * with the property {@value #NAME_PROPERTY}; pools look it up by that name.
 *
 * <p>{@link #call} may be invoked concurrently from many threads (or, in the prefork pool, in other
 * processes): implementations must be thread-safe and keep no per-call state in fields. Arguments and the
 * return value are JSON values (null, Boolean, Number, String, List, Map with String keys). Blocking calls
 * should be interruptible so soft time limits and termination work.
 */
@ConsumerType
public interface Task {
    /** The service property naming a task, e.g. {@code tasks.add}. */
    String NAME_PROPERTY = "task.name";

    /**
     * The names a {@value #NAME_PROPERTY} property value gives: one string, or several (aliases, a
     * {@code String[]}); blank names and other types give none. The one reading the worker, the shell and
     * prefork children share, so a task has the same names everywhere.
     *
     * @since 1.2
     */
    static List<String> namesOf(Object property) {
        if (property instanceof String s) {
            return s.isBlank() ? List.of() : List.of(s);
        }
        if (property instanceof String[] a) {
            return java.util.Arrays.stream(a).filter(n -> n != null && !n.isBlank()).toList();
        }
        return List.of();
    }

    /**
     * Runs the task.
     *
     * @param ctx    the running task's context
     * @param args   positional arguments (immutable)
     * @param kwargs keyword arguments (immutable)
     * @return a JSON value
     * @throws Exception any failure; it fails the task's handle
     */
    Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) throws Exception;
}
