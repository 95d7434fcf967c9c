package org.celeriac.pool.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The workers of one {@link InProcessPool}: an intrusive doubly linked list per stripe, each guarded by its
 * stripe's monitor. A worker is a {@link WorkerSlot} (a pooled thread, solo's turn) or, in a green pool, a
 * {@link Job} that is its own worker (one virtual thread per task in flight), so the registry must cost no
 * allocation: the links live in the worker itself (8 bytes) where a {@code ConcurrentHashMap} key set cost a
 * 32-byte node plus its share of the table per worker (measured: about 57 bytes per green task of ~300
 * bytes of pool overhead). Stripes keep workers that come and go on different threads from contending for
 * one lock; only stats and terminate walk all of them.
 *
 * @param <T> the kind of worker, whose links {@link Links} reads and writes
 */
final class WorkerRegistry<T> {
    private static final int STRIPES = 16; // a power of two; a few times the cores of the machines we run on

    /** The link fields of a kind of worker, which only a registry touches (under the stripe's monitor). */
    interface Links<T> {
        T prev(T worker);

        T next(T worker);

        void link(T worker, T prev, T next);

        /** Spreads workers over the stripes; stable for as long as the worker is registered. */
        int hash(T worker);
    }

    private final Links<T> links;
    @SuppressWarnings("unchecked")
    private final Stripe<T>[] stripes = new Stripe[STRIPES];

    WorkerRegistry(Links<T> links) {
        this.links = links;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe<>();
        }
    }

    /** A stripe's list head; its monitor guards the head and every link of the workers in it. */
    private static final class Stripe<T> {
        T head;
    }

    void add(T worker) {
        Stripe<T> stripe = stripeOf(worker);
        synchronized (stripe) {
            T head = stripe.head;
            links.link(worker, null, head);
            if (head != null) {
                links.link(head, worker, links.next(head));
            }
            stripe.head = worker;
        }
    }

    /** Unlinks {@code worker}; does nothing if it is not registered. */
    void remove(T worker) {
        Stripe<T> stripe = stripeOf(worker);
        synchronized (stripe) {
            T prev = links.prev(worker);
            T next = links.next(worker);
            if (prev != null) {
                links.link(prev, links.prev(prev), next);
            } else if (stripe.head == worker) {
                stripe.head = next;
            } else {
                return;
            }
            if (next != null) {
                links.link(next, prev, links.next(next));
            }
            links.link(worker, null, null);
        }
    }

    /** The workers registered now, stripe by stripe. */
    List<T> snapshot() {
        List<T> all = new ArrayList<>();
        for (Stripe<T> stripe : stripes) {
            synchronized (stripe) {
                for (T w = stripe.head; w != null; w = links.next(w)) {
                    all.add(w);
                }
            }
        }
        return all;
    }

    private Stripe<T> stripeOf(T worker) {
        int h = links.hash(worker);
        return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }
}
