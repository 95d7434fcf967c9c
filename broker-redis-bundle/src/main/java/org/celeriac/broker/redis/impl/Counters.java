package org.celeriac.broker.redis.impl;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The broker's counters, as {@link org.celeriac.worker.api.BrokerStats} reports them. */
final class Counters {
    final LongAdder received = new LongAdder();
    final LongAdder acknowledged = new LongAdder();
    final LongAdder requeued = new LongAdder();
    final LongAdder restored = new LongAdder();
    final LongAdder rejected = new LongAdder();
    private final Map<String, LongAdder> tasksByName = new ConcurrentHashMap<>();
    volatile boolean connected;

    void taskReceived(String name) {
        tasksByName.computeIfAbsent(name, n -> new LongAdder()).increment();
    }

    /** Tasks received per name, sorted: Celery's {@code stats()['total']}. */
    Map<String, Long> totals() {
        Map<String, Long> out = new TreeMap<>();
        tasksByName.forEach((name, n) -> out.put(name, n.sum()));
        return out;
    }
}
