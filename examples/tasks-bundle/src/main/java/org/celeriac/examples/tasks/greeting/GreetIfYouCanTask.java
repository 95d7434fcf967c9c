package org.celeriac.examples.tasks.greeting;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** {@code greet.optional(name)}: an optional, dynamic reference, and a fallback while no greeter is there. */
@Component(property = "task.name=greet.optional")
public final class GreetIfYouCanTask implements Task {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Greeter greeter;

    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        Greeter g = greeter;
        String name = String.valueOf(args.isEmpty() ? "world" : args.get(0));
        return g == null ? "(no greeter) " + name : g.greet(name) + "?";
    }
}
