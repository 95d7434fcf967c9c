package org.celeriac.worker.impl;

import java.util.List;
import org.osgi.framework.ServiceReference;

/** Reads the {@code pool.name} property, a String or a String[] of a primary name and aliases. */
final class PoolNames {
    private PoolNames() {
    }

    static List<String> of(ServiceReference<?> ref) {
        Object value = ref.getProperty("pool.name");
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof String[] a && a.length > 0) {
            return List.of(a);
        }
        return List.of("unnamed-" + ref.getProperty("service.id"));
    }
}
