package org.celeriac.examples.tasks;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/**
 * {@code flaky(n)}: fails with an {@link IOException} on its first {@code n} runs and then returns how many
 * retries it took — Celery's {@code autoretry_for=(IOError,), max_retries=3}, declared as service properties.
 * It counts runs by the request's {@code retries}, so it behaves the same on every pool, prefork included.
 */
@Component(property = {"task.name=flaky", "task.name=tasks.flaky",
        "task.autoretry.for=java.io.IOException", "task.max.retries:Integer=3", "task.retry.delay=0.2"})
public final class FlakyTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) throws IOException {
        int failures = Args.number(args, 0, "flaky").intValue();
        int retries = ctx.request().headers().get("retries") instanceof Number n ? n.intValue() : 0;
        if (retries < failures) {
            throw new IOException("flaky: run " + (retries + 1) + " of " + (failures + 1) + " fails on purpose");
        }
        return retries;
    }
}
