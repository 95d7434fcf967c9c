package org.celeriac.examples.tasks;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/**
 * {@code cpu(iterations)}: a CPU-bound hash loop (FNV-1a over a counter) returning the hash; it checks its
 * soft time limit every 64k iterations, the way a cooperative CPU-bound task should.
 */
@Component(property = {"task.name=cpu", "task.name=tasks.cpu"})
public final class CpuTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) {
        long iterations = Args.number(args, 0, "cpu").longValue();
        return hash(iterations, ctx);
    }

    static long hash(long iterations, TaskContext ctx) {
        long h = 0xcbf29ce484222325L;
        for (long i = 0; i < iterations; i++) {
            h = (h ^ i) * 0x100000001b3L;
            if ((i & 0xFFFF) == 0 && ctx != null) {
                ctx.checkSoftTimeLimit();
            }
        }
        return h;
    }
}
