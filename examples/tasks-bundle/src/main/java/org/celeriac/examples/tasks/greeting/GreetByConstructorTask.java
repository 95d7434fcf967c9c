package org.celeriac.examples.tasks.greeting;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code greet.ctor(name)}: a task whose reference comes through its constructor (no no-argument one). */
@Component(property = "task.name=greet.ctor")
public final class GreetByConstructorTask implements Task {
    private final Greeter greeter;

    @Activate
    public GreetByConstructorTask(@Reference Greeter greeter) {
        this.greeter = greeter;
    }

    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        return greeter.greet(String.valueOf(args.isEmpty() ? "world" : args.get(0))) + "!";
    }
}
