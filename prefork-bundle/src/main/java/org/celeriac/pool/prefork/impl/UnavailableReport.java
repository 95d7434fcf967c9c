package org.celeriac.pool.prefork.impl;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The worker's tasks a child cannot run: task components SCR could not satisfy there (a reference only the
 * worker's process can satisfy, a configuration it lacks) and tasks whose bundle did not even start in the
 * child, as each child's WORKER_UP says, and components that failed to activate when their task first came
 * to a child, as its RESULT says. One WARNING when the set changes, not one per child start; the pool
 * refuses such a task at once with the reason instead of sending it to a child. Hub thread only.
 */
final class UnavailableReport {
    private static final System.Logger LOG = System.getLogger(UnavailableReport.class.getName());
    private Map<String, Object> last = Map.of();
    /** What {@code listener} was last told. */
    private Map<String, String> told = Map.of();
    /** What children of the current task set found they cannot run when the task came; kept for their successors. */
    private Map<String, String> foundOnUse = Map.of();

    /** The task set changed: the next child of the new set says what it cannot run. */
    void reset(HubListener listener) {
        told = Map.of();
        foundOnUse = Map.of();
        listener.unavailableInChildren(told);
    }

    /** A pool adopted the hub: it learns what its children cannot run, as the previous pool did. */
    void announceTo(HubListener listener) {
        listener.unavailableInChildren(told);
    }

    /**
     * A child of the current task set found, when they came, tasks it cannot run (a component it activates
     * on a task's first call failed to activate there); {@code listener} is told them with the rest.
     */
    void found(Map<?, ?> reported, HubListener listener) {
        Map<String, String> more = reasonsOf(reported);
        Map<String, String> found = new TreeMap<>(foundOnUse);
        found.putAll(more);
        foundOnUse = Map.copyOf(found);
        Map<String, String> all = new TreeMap<>(told);
        all.putAll(more);
        if (!all.equals(told)) {
            told = Map.copyOf(all);
            listener.unavailableInChildren(told);
            LOG.log(Level.WARNING, "task(s) " + more.keySet() + " cannot run in prefork children (other pools run them): "
                    + describe(more));
        }
    }

    /** A child of the current task set came up and said {@code up}; {@code listener} is told what it cannot run. */
    void childUp(Map<String, Object> up, HubListener listener) {
        Map<String, String> unavailable = reasonsOf(up.get("unavailable"));
        List<?> warnings = up.get("warnings") instanceof List<?> w ? w : List.of();
        if (up.get("tasks") instanceof List<?> known) {
            for (String name : listener.workerTaskNames()) {
                if (!known.contains(name) && !unavailable.containsKey(name)) {
                    unavailable.put(name, "its bundle could not be resolved or started in a child (it needs a package or"
                            + " service only the worker's own bundles provide)");
                }
            }
        }
        Map<String, Object> report = Map.of("unavailable", Map.copyOf(unavailable), "warnings", warnings);
        if (!report.equals(last) && (!unavailable.isEmpty() || !warnings.isEmpty())) {
            LOG.log(Level.WARNING, (unavailable.isEmpty() ? "prefork children" : "task(s) " + unavailable.keySet()
                    + " cannot run in prefork children (other pools run them): " + describe(unavailable))
                    + (warnings.isEmpty() ? "" : "; the child said: " + warnings));
        }
        last = report;
        unavailable.putAll(foundOnUse); // a new child has not run those tasks yet; its predecessors did (logged then)
        told = Map.copyOf(unavailable);
        listener.unavailableInChildren(told);
    }

    /** Task → reason, as a child sent them (a JSON object); empty if it sent none. */
    private static Map<String, String> reasonsOf(Object reported) {
        Map<String, String> reasons = new TreeMap<>();
        if (reported instanceof Map<?, ?> m) {
            m.forEach((task, reason) -> reasons.put(String.valueOf(task), String.valueOf(reason)));
        }
        return reasons;
    }

    /** {@code task: reason; task: reason}. */
    private static String describe(Map<String, String> unavailable) {
        StringBuilder why = new StringBuilder();
        unavailable.forEach((task, reason) -> why.append(why.length() == 0 ? "" : "; ").append(task).append(": ").append(reason));
        return why.toString();
    }
}
