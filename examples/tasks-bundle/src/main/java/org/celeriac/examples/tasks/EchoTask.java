package org.celeriac.examples.tasks;

import java.util.LinkedHashMap;
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
        if (kwargs.isEmpty()) {
            return args;
        }
        Map<String, Object> both = new LinkedHashMap<>();
        both.put("args", args);
        both.put("kwargs", kwargs);
        return both;
    }
}
