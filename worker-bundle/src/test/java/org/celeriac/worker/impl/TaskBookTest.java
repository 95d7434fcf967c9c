package org.celeriac.worker.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

class TaskBookTest {
    private final TaskBook book = new TaskBook(2);

    private WorkerTaskHandle handle(String id) {
        return new WorkerTaskHandle(TaskRequest.builder("t").id(id).build(), book, x -> false);
    }

    @Test
    void anIdIsPendingOnceAndFreeAgainBeforeItsOutcomeIsHeard() throws Exception {
        WorkerTaskHandle first = handle("same");
        assertTrue(book.admit(first));
        assertFalse(book.admit(handle("same")), "a second task under a pending id is refused");
        AtomicInteger admittedFromCallback = new AtomicInteger();
        first.result().whenComplete((v, e) -> {
            if (book.admit(handle("same"))) { // a retry sent from the completion callback
                admittedFromCallback.incrementAndGet();
            }
        });
        first.succeed(42);
        assertEquals(1, admittedFromCallback.get());
    }

    @Test
    void aFinishedTaskIsFoundWhileItMovesFromPendingToRecent() throws Exception {
        int n = 20_000;
        TaskBook big = new TaskBook(n);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger lost = new AtomicInteger();
        List<WorkerTaskHandle> handles = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            WorkerTaskHandle h = new WorkerTaskHandle(TaskRequest.builder("t").id("id" + i).build(), big, x -> false);
            big.admit(h);
            handles.add(h);
        }
        Thread finisher = Thread.ofPlatform().start(() -> {
            awaitQuietly(go);
            handles.forEach(h -> h.succeed(null));
        });
        go.countDown();
        for (WorkerTaskHandle h : handles) {
            if (big.find(h.taskId()).isEmpty()) {
                lost.incrementAndGet();
            }
        }
        finisher.join();
        assertEquals(0, lost.get(), "never in neither");
        assertEquals(n, big.all().size(), "each task listed once");
    }

    @Test
    void evictedResultsAreToldApartFromUnknownIds() {
        for (String id : List.of("a", "b", "c")) {
            WorkerTaskHandle h = handle(id);
            book.admit(h);
            h.succeed(id);
        }
        assertEquals(Optional.empty(), book.find("a").map(WorkerTaskHandle::taskId));
        assertTrue(book.evicted("a"));
        assertFalse(book.evicted("nope"));
        assertEquals(List.of("c", "b"), book.all().stream().map(WorkerTaskHandle::taskId).toList());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
