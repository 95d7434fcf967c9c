package org.celeriac.examples.tasks;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/** {@code echo(...)}: returns its positional arguments, or {@code {"args": [...], "kwargs": {...}}} when it has kwargs. */
@Component(property = {"task.name=echo", "task.name=tasks.echo"})
public final class EchoTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        return kwargs.isEmpty() ? args : Map.of("args", args, "kwargs", kwargs);
    }
}
