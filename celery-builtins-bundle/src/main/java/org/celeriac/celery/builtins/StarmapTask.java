package org.celeriac.celery.builtins;

import java.util.List;
import org.celeriac.pool.api.Task;
import org.osgi.service.component.annotations.Component;

/**
 * {@code celery.starmap}: {@code add.starmap([(1, 2), (3, 4)])} runs {@code add(1, 2)} and {@code add(3, 4)};
 * {@code add.chunks(items, n)} sends one such message per chunk. See {@link ItemTask}.
 */
@Component(service = Task.class, property = "task.name=celery.starmap")
public final class StarmapTask extends ItemTask {
    @Override
    @SuppressWarnings("unchecked")
    List<Object> argsOf(Object item) {
        if (item instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException("celery.starmap needs each item to be a list of arguments, got " + item);
    }

    @Override
    String builtin() {
        return "celery.starmap";
    }
}
