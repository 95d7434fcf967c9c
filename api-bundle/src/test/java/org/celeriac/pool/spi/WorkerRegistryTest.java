package org.celeriac.pool.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class WorkerRegistryTest {
    private final WorkerRegistry<WorkerSlot> registry = new WorkerRegistry<>(WorkerSlot.LINKS);

    private static Set<String> ids(List<WorkerSlot> slots) {
        Set<String> ids = new HashSet<>();
        slots.forEach(s -> ids.add(s.id()));
        return ids;
    }

    @Test
    void removesHeadMiddleAndTailOfAStripeAndIgnoresUnregisteredSlots() {
        // Numbered slots of one prefix: 64 of them fill all 16 stripes several deep.
        List<WorkerSlot> slots = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            WorkerSlot s = new WorkerSlot("w-", i, null);
            slots.add(s);
            registry.add(s);
        }
        assertEquals(64, registry.snapshot().size());
        Set<String> expected = ids(slots);
        for (int i = 0; i < 64; i += 3) { // every third: heads, middles and tails of the stripes' lists
            registry.remove(slots.get(i));
            expected.remove("w-" + i);
            assertEquals(expected, ids(registry.snapshot()));
        }
        registry.remove(slots.get(0)); // twice
        registry.remove(new WorkerSlot("never-added"));
        assertEquals(expected, ids(registry.snapshot()));
        slots.forEach(registry::remove);
        assertTrue(registry.snapshot().isEmpty());
    }

    @Test
    void concurrentAddsAndRemovesLoseNoSlot() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<WorkerSlot>>> kept = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            kept.add(exec.submit(() -> {
                go.await();
                List<WorkerSlot> mine = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    WorkerSlot s = new WorkerSlot("c-", base + i, null);
                    registry.add(s);
                    if (i % 2 == 0) {
                        registry.remove(s);
                    } else {
                        mine.add(s);
                    }
                }
                return mine;
            }));
        }
        go.countDown();
        Set<String> expected = new HashSet<>();
        for (Future<List<WorkerSlot>> f : kept) {
            expected.addAll(ids(f.get()));
        }
        exec.shutdown();
        List<WorkerSlot> all = registry.snapshot();
        assertEquals(threads * perThread / 2, all.size());
        assertEquals(expected, ids(all));
    }
}
