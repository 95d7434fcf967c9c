package org.celeriac.examples.tasks.greeting;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code greet(name)}: a task with a field reference, the most common DS injection. */
@Component(property = "task.name=greet")
public final class GreetTask implements Task {
    @Reference
    private Greeter greeter;

    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        return greeter.greet(String.valueOf(args.isEmpty() ? "world" : args.get(0)));
    }
}
