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

    /** Iterations between two looks at the soft time limit. */
    private static final int CHUNK = 1 << 16;

    /**
     * FNV-1a over the counter 0..iterations-1, looking at the soft time limit before each chunk of
     * {@link #CHUNK} iterations rather than with a test inside the loop: with a call site in its body, the
     * JIT compiled the loop as an uncounted one with a safepoint poll every iteration, and in a prefork child
     * a ~1 ms call took ~1150 µs where the plain loop took ~1100 µs. The inner loop here is a counted int
     * loop, compiled like the plain one.
     */
    static long hash(long iterations, TaskContext ctx) {
        long h = 0xcbf29ce484222325L;
        for (long start = 0; start < iterations; start += CHUNK) {
            if (ctx != null) {
                ctx.checkSoftTimeLimit();
            }
            int n = (int) Math.min(CHUNK, iterations - start);
            for (int j = 0; j < n; j++) {
                h = (h ^ (start + j)) * 0x100000001b3L;
            }
        }
        return h;
    }
}
