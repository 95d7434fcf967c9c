package org.celeriac.examples.tasks;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/** {@code fail(message)}: always throws {@link IllegalStateException} with the message, to show error reporting. */
@Component(property = {"task.name=fail", "task.name=tasks.fail"})
public final class FailTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        throw new IllegalStateException(args.isEmpty() ? "fail task called" : String.valueOf(args.get(0)));
    }
}
