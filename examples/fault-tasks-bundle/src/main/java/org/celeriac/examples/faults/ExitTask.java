package org.celeriac.examples.faults;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/** {@code exit(code)}: calls {@code System.exit(code)}. In a prefork child it ends that child only; in-process it ends the worker. */
@Component(property = "task.name=exit")
public final class ExitTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        System.exit(args.isEmpty() ? 1 : ((Number) args.get(0)).intValue());
        return null;
    }
}
