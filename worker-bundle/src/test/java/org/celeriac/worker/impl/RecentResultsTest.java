package org.celeriac.worker.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

class RecentResultsTest {
    private final TaskBook book = new TaskBook(10);

    private WorkerTaskHandle handle(String id) {
        return new WorkerTaskHandle(TaskRequest.builder("add").id(id).build(), book, x -> false);
    }

    @Test
    void keepsTheLastNAndRemembersWhatItEvicted() {
        RecentResults recent = new RecentResults(3);
        List<WorkerTaskHandle> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.add(handle("t" + i));
            recent.add(all.get(i));
        }
        assertEquals(List.of(all.get(4), all.get(3), all.get(2)), recent.newestFirst());
        assertTrue(recent.get("t0").isEmpty());
        assertTrue(recent.wasEvicted("t0") && recent.wasEvicted("t1"));
        assertFalse(recent.wasEvicted("t4") || recent.wasEvicted("never"));
    }

    @Test
    void aTaskThatFinishesAgainMovesToTheNewestPlaceAndIsNoLongerEvicted() {
        RecentResults recent = new RecentResults(2);
        recent.add(handle("a"));
        recent.add(handle("b"));
        recent.add(handle("c")); // evicts a
        assertTrue(recent.wasEvicted("a"));
        WorkerTaskHandle retried = handle("a");
        recent.add(retried);      // a retry with the same id finished again; evicts b
        assertEquals(retried, recent.newestFirst().get(0));
        assertFalse(recent.wasEvicted("a"));
        assertTrue(recent.wasEvicted("b"));
    }

    @Test
    void aSmallerRetentionEvictsAtOnceAndZeroKeepsNothing() {
        RecentResults recent = new RecentResults(10);
        for (int i = 0; i < 10; i++) {
            recent.add(handle("t" + i));
        }
        recent.retention(0);
        assertTrue(recent.newestFirst().isEmpty());
        assertTrue(recent.wasEvicted("t9"));
        assertThrows(IllegalArgumentException.class, () -> recent.retention(-1));
    }
}
