package org.celeriac.examples.tasks;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/** {@code add(a, b, ...)}: the sum of its numeric arguments, an integer when all are integers. Celery's classic {@code tasks.add}. */
@Component(property = {"task.name=add", "task.name=tasks.add"})
public final class AddTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        long longSum = 0;
        double doubleSum = 0;
        boolean integral = true;
        for (int i = 0; i < args.size(); i++) {
            Number n = Args.number(args, i, "add");
            if (n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal) {
                integral = false;
            }
            longSum = Math.addExact(longSum, integral ? n.longValue() : 0);
            doubleSum += n.doubleValue();
        }
        return integral ? (Object) longSum : (Object) doubleSum;
    }
}
