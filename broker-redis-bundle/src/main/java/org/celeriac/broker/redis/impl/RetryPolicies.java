package org.celeriac.broker.redis.impl;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.celeriac.broker.celery.RetryPolicy;
import org.celeriac.pool.api.Task;

/** The retry policy of each task name, from the {@link Task} services' properties as they come and go. Thread-safe. */
final class RetryPolicies {
    private static final Logger LOG = System.getLogger(RetryPolicies.class.getName());
    private final Map<String, RetryPolicy> byName = new ConcurrentHashMap<>();

    void add(Map<String, Object> serviceProperties) {
        RetryPolicy policy;
        try {
            policy = RetryPolicy.of(serviceProperties);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "task " + serviceProperties.get(Task.NAME_PROPERTY) + " has a bad retry setting ("
                    + e.getMessage() + "): it gets Celery's defaults");
            policy = RetryPolicy.DEFAULT;
        }
        for (String name : names(serviceProperties)) {
            byName.put(name, policy);
        }
    }

    void remove(Map<String, Object> serviceProperties) {
        for (String name : names(serviceProperties)) {
            byName.remove(name);
        }
    }

    RetryPolicy of(String taskName) {
        return byName.getOrDefault(taskName, RetryPolicy.DEFAULT);
    }

    private static String[] names(Map<String, Object> props) {
        Object n = props.get(Task.NAME_PROPERTY);
        return n instanceof String[] a ? a : n instanceof String s ? new String[] {s} : new String[0];
    }
}
