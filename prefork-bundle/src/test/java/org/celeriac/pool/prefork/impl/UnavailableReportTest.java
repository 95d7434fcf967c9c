package org.celeriac.pool.prefork.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UnavailableReportTest {
    private Map<String, String> told = Map.of();
    private final HubListener listener = new HubListener() {
        @Override
        public void childUp(long pid, long startupNanos) {
        }

        @Override
        public void childRetired(long pid, String reason) {
        }

        @Override
        public void childLost(long pid, String why) {
        }

        @Override
        public void unavailableInChildren(Map<String, String> unavailable) {
            told = unavailable;
        }

        @Override
        public Set<String> workerTaskNames() {
            return Set.of("add", "needs.worker", "lock.holder", "resolves.not");
        }
    };

    private static Map<String, Object> workerUp(List<String> tasks, Map<String, String> unavailable) {
        return Map.of("tasks", tasks, "unavailable", unavailable, "warnings", List.of());
    }

    @Test
    void whatAChildSaysAtStartAndWhatOneFoundOnUseAddUpAndOutliveTheChild() {
        UnavailableReport report = new UnavailableReport();
        Map<String, Object> up = workerUp(List.of("add", "needs.worker", "lock.holder"), Map.of("needs.worker", "no Worker here"));
        report.childUp(up, listener);
        assertEquals(Map.of("needs.worker", "no Worker here",
                "resolves.not", "its bundle could not be resolved or started in a child (it needs a package or service only the"
                        + " worker's own bundles provide)"), told);

        report.found(Map.of("lock.holder", "failed to activate"), listener);
        assertEquals(Set.of("needs.worker", "resolves.not", "lock.holder"), told.keySet());

        // A replacement child of the same task set has not run lock.holder yet: the pool still refuses it.
        report.childUp(up, listener);
        assertEquals("failed to activate", told.get("lock.holder"));
        assertEquals(3, told.size());
    }

    @Test
    void aNewTaskSetForgetsWhatWasFoundOnUse() {
        UnavailableReport report = new UnavailableReport();
        report.childUp(workerUp(List.of("add", "needs.worker", "lock.holder", "resolves.not"), Map.of()), listener);
        report.found(Map.of("lock.holder", "failed to activate"), listener);
        assertEquals(Map.of("lock.holder", "failed to activate"), told);

        report.reset(listener); // the worker's tasks changed (a bundle updated, say)
        assertEquals(Map.of(), told);
        report.childUp(workerUp(List.of("add", "needs.worker", "lock.holder", "resolves.not"), Map.of()), listener);
        assertEquals(Map.of(), told);
    }
}
