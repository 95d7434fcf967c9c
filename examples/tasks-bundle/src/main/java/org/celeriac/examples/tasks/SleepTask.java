package org.celeriac.examples.tasks;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/** {@code sleep(seconds)}: blocks interruptibly (an I/O stand-in), then returns the seconds slept. */
@Component(property = {"task.name=sleep", "task.name=tasks.sleep"})
public final class SleepTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) throws InterruptedException {
        double seconds = Args.number(args, 0, "sleep").doubleValue();
        if (seconds < 0) {
            throw new IllegalArgumentException("sleep expects seconds >= 0, got " + seconds);
        }
        Thread.sleep((long) (seconds * 1000));
        return seconds;
    }
}
