package org.celeriac.examples.tasks;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/**
 * {@code spin(seconds)}: busy-waits, ignoring interrupts and cancellation, for the given seconds: a badly
 * behaved task that only a hard time limit (and, to really stop it, a process pool) can deal with.
 */
@Component(property = {"task.name=spin", "task.name=tasks.spin"})
public final class SpinTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        double seconds = Args.number(args, 0, "spin").doubleValue();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long spins = 0;
        while (System.nanoTime() < end) {
            spins++;
            Thread.onSpinWait();
        }
        return spins;
    }
}
