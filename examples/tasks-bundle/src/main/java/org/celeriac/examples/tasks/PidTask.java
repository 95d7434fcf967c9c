package org.celeriac.examples.tasks;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/** {@code pid()}: the process id the task ran in, to see where a pool runs tasks (the worker, or a child). */
@Component(property = {"task.name=pid", "task.name=tasks.pid"})
public final class PidTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        return ProcessHandle.current().pid();
    }
}
