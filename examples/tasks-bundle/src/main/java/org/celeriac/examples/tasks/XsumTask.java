package org.celeriac.examples.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/**
 * {@code xsum(numbers, ...)}: the sum of a list of numbers plus any further numeric arguments. Celery's classic
 * chord body ({@code chord(add.s(i, i) for i in range(10))(xsum.s())}), which receives the header's results as
 * its first argument.
 */
@Component(property = {"task.name=xsum", "task.name=tasks.xsum"})
public final class XsumTask implements Task {
    private final AddTask add = new AddTask();

    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        if (args.isEmpty() || !(args.get(0) instanceof List<?> numbers)) {
            throw new IllegalArgumentException("xsum needs a list of numbers as its first argument, got " + args);
        }
        List<Object> all = new ArrayList<>(numbers);
        all.addAll(args.subList(1, args.size()));
        return add.call(ctx, all, kwargs);
    }
}
