package org.celeriac.celery.builtins;

import java.util.Collections;
import java.util.List;
import org.celeriac.pool.api.Task;
import org.osgi.service.component.annotations.Component;

/** {@code celery.map}: {@code add.map([1, 2])} runs {@code add(1)} and {@code add(2)}; see {@link ItemTask}. */
@Component(service = Task.class, property = "task.name=celery.map")
public final class MapTask extends ItemTask {
    @Override
    List<Object> argsOf(Object item) {
        return Collections.singletonList(item);
    }

    @Override
    String builtin() {
        return "celery.map";
    }
}
