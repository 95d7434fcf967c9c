package org.celeriac.worker.impl;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.celeriac.pool.api.BasePool;

/** A pool offered directly, outside a framework: each acquire is a new instance of a real pool class. */
final class DirectPoolOffer implements PoolOffer {
    private static final AtomicInteger ORDER = new AtomicInteger();
    private final String name;
    private final int ranking;
    private final long order = ORDER.incrementAndGet();
    private final Supplier<BasePool> factory;
    final AtomicInteger acquired = new AtomicInteger();
    final AtomicInteger released = new AtomicInteger();

    DirectPoolOffer(String name, int ranking, Supplier<BasePool> factory) {
        this.name = name;
        this.ranking = ranking;
        this.factory = factory;
    }

    @Override
    public List<String> names() {
        return List.of(name);
    }

    @Override
    public int ranking() {
        return ranking;
    }

    @Override
    public long order() {
        return order;
    }

    @Override
    public boolean green() {
        return false;
    }

    @Override
    public boolean signalSafe() {
        return true;
    }

    @Override
    public String origin() {
        return "test";
    }

    @Override
    public BasePool acquire() {
        acquired.incrementAndGet();
        return factory.get();
    }

    @Override
    public void release(BasePool pool) {
        released.incrementAndGet();
    }
}
