package org.celeriac.worker.impl;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The installed pools, best first (highest {@code service.ranking}, then the oldest). Thread-safe and
 * lock-free: the framework adds and removes offers while switches read them.
 */
final class PoolCatalog {
    private static final Comparator<PoolOffer> BEST_FIRST = Comparator.comparingInt(PoolOffer::ranking).reversed()
            .thenComparingLong(PoolOffer::order);

    private final ConcurrentSkipListSet<PoolOffer> offers = new ConcurrentSkipListSet<>(BEST_FIRST);

    void add(PoolOffer offer) {
        offers.add(offer);
    }

    void remove(PoolOffer offer) {
        offers.remove(offer);
    }

    boolean contains(PoolOffer offer) {
        return offers.contains(offer);
    }

    /** The best offer that answers to {@code name}. */
    Optional<PoolOffer> find(String name) {
        return offers.stream().filter(o -> o.isNamed(name)).findFirst();
    }

    /** The offer named {@code selected} if there is one, else the best installed; empty if there is none. */
    Optional<PoolOffer> preferred(String selected) {
        return find(selected).or(() -> offers.isEmpty() ? Optional.empty() : Optional.of(offers.first()));
    }

    /** Every offer, best first. */
    List<PoolOffer> all() {
        return List.copyOf(offers);
    }

    /** The primary names, best first, for messages. */
    List<String> names() {
        return offers.stream().map(PoolOffer::name).toList();
    }
}
