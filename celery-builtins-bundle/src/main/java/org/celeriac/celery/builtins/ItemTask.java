package org.celeriac.celery.builtins;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.celeriac.pool.api.UnknownTaskException;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Celery's {@code celery.map} and {@code celery.starmap} ({@code celery/app/builtins.py}): call one task for
 * each item of {@code it}, here, in turn, and return the list of results. The task comes as a signature
 * ({@code task}) and the items as {@code it}, by keyword (as {@code add.map(...)} sends them) or by position;
 * only the signature's task name is used, as Celery's {@code signature(task).type} does.
 *
 * <p>The tasks are found among the {@code Task} services the framework has, so this runs wherever they run:
 * in the worker's framework for in-process pools, in a prefork child's own framework for prefork.
 */
abstract class ItemTask implements Task {
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();

    @Reference(service = Task.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindTask(Task task, Map<String, Object> properties) {
        Task.namesOf(properties.get(NAME_PROPERTY)).forEach(name -> tasks.put(name, task));
    }

    void unbindTask(Task task, Map<String, Object> properties) {
        Task.namesOf(properties.get(NAME_PROPERTY)).forEach(name -> tasks.remove(name, task));
    }

    /** The positional arguments one item gives the task. */
    abstract List<Object> argsOf(Object item);

    /** {@code celery.map} or {@code celery.starmap}, for messages. */
    abstract String builtin();

    @Override
    public final Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) throws Exception {
        Object signature = kwargs.containsKey("task") ? kwargs.get("task") : args.isEmpty() ? null : args.get(0);
        Object it = kwargs.containsKey("it") ? kwargs.get("it") : args.size() > 1 ? args.get(1) : null;
        if (!(signature instanceof Map<?, ?> sig) || !(sig.get("task") instanceof String name)) {
            throw new IllegalArgumentException(builtin() + " needs a task signature as 'task', got " + signature);
        }
        if (!(it instanceof List<?> items)) {
            throw new IllegalArgumentException(builtin() + " needs a list of items as 'it', got " + it);
        }
        Task task = tasks.get(name);
        if (task == null) {
            throw new UnknownTaskException(name, tasks.keySet());
        }
        List<Object> results = new ArrayList<>(items.size());
        for (Object item : items) {
            ctx.checkSoftTimeLimit();
            results.add(task.call(ctx, argsOf(item), Map.of()));
        }
        return results;
    }
}
