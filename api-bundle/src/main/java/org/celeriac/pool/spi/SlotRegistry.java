package org.celeriac.pool.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The workers of one {@link InProcessPool}: an intrusive doubly linked list per stripe, each guarded by its
 * stripe's monitor. A green pool registers one worker per virtual thread, that is up to one per task in
 * flight, so the registry must cost no allocation: the links live in the {@link WorkerSlot} itself (8 bytes)
 * where a {@code ConcurrentHashMap} key set cost a 32-byte node plus its share of the table per worker
 * (measured: about 57 bytes per green task of ~300 bytes of pool overhead). Stripes keep workers that come
 * and go on different threads from contending for one lock; only stats and terminate walk all of them.
 */
final class SlotRegistry {
    private static final int STRIPES = 16; // a power of two; a few times the cores of the machines we run on

    private final Stripe[] stripes = new Stripe[STRIPES];

    SlotRegistry() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** A stripe's list head; its monitor guards the head and every link of the slots in it. */
    private static final class Stripe {
        WorkerSlot head;
    }

    void add(WorkerSlot slot) {
        Stripe stripe = stripeOf(slot);
        synchronized (stripe) {
            WorkerSlot head = stripe.head;
            slot.next = head;
            if (head != null) {
                head.prev = slot;
            }
            stripe.head = slot;
        }
    }

    /** Unlinks {@code slot}; does nothing if it is not registered. */
    void remove(WorkerSlot slot) {
        Stripe stripe = stripeOf(slot);
        synchronized (stripe) {
            WorkerSlot prev = slot.prev;
            WorkerSlot next = slot.next;
            if (prev != null) {
                prev.next = next;
            } else if (stripe.head == slot) {
                stripe.head = next;
            } else {
                return;
            }
            if (next != null) {
                next.prev = prev;
            }
            slot.prev = null;
            slot.next = null;
        }
    }

    /** The workers registered now, stripe by stripe. */
    List<WorkerSlot> snapshot() {
        List<WorkerSlot> all = new ArrayList<>();
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                for (WorkerSlot s = stripe.head; s != null; s = s.next) {
                    all.add(s);
                }
            }
        }
        return all;
    }

    private Stripe stripeOf(WorkerSlot slot) {
        int h = slot.stripeHash();
        return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }
}
