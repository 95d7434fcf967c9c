package org.celeriac.examples.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskContext;
import org.osgi.service.component.annotations.Component;

/**
 * {@code append(path, line)}: appends one line to a file and returns it. Lets a test count executions
 * across processes (each run leaves exactly one line), which in-memory counters cannot do for prefork.
 */
@Component(property = "task.name=append")
public final class AppendTask implements Task {
    @Override
    public Object call(TaskContext ctx, List<Object> args, Map<String, Object> kwargs) throws Exception {
        String line = args.get(1) + "\n";
        Files.writeString(Path.of((String) args.get(0)), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        return args.get(1);
    }
}
