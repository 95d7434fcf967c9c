package org.celeriac.examples.faults;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/** {@code wait(seconds)}: sleeps, then returns its pid: a task to kill from outside while it runs. */
@Component(property = "task.name=wait")
public final class WaitTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) throws InterruptedException {
        Thread.sleep((long) (((Number) args.get(0)).doubleValue() * 1000));
        return ProcessHandle.current().pid();
    }
}
