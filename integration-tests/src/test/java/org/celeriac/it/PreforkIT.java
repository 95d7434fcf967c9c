package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.WorkerLostException;
import org.celeriac.worker.api.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The prefork pool in a real Felix container, with children that load the task bundles the container has. */
class PreforkIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private FelixContainer felix;

    @TempDir
    Path tmp;

    private Worker boot() throws Exception {
        felix = FelixContainer.start(true);
        felix.install(FelixContainer.extraBundle("celeriac-example-faults.jar"));
        felix.install(FelixContainer.extraBundle("celeriac-prefork.jar"));
        @SuppressWarnings("unchecked")
        ServiceReference<Worker> ref = (ServiceReference<Worker>) felix.awaitService(Worker.class.getName(), null, WAIT);
        Worker worker = felix.context().getService(ref);
        FelixContainer.await("the worker runs on prefork, the default", WAIT, () -> worker.activePool().equals(Optional.of("prefork")));
        return worker;
    }

    /** The worker on prefork with the shipped bundles only: the tests install their own task bundles. */
    private Worker bootWithoutTheFaultTasks() throws Exception {
        felix = FelixContainer.start(true);
        felix.install(FelixContainer.extraBundle("celeriac-prefork.jar"));
        @SuppressWarnings("unchecked")
        ServiceReference<Worker> ref = (ServiceReference<Worker>) felix.awaitService(Worker.class.getName(), null, WAIT);
        Worker worker = felix.context().getService(ref);
        FelixContainer.await("the worker runs on prefork", WAIT, () -> worker.activePool().equals(Optional.of("prefork")));
        return worker;
    }

    @AfterEach
    void shutdown() throws Exception {
        if (felix != null) {
            felix.close();
        }
    }

    /** How many prefork pool instances the worker holds (SCR makes one per get of the prototype service). */
    private int preforkInstancesInUse() {
        ServiceReference<?>[] refs;
        try {
            refs = felix.context().getServiceReferences(org.celeriac.pool.api.BasePool.class.getName(), "(pool.name=prefork)");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
        return refs == null ? 0 : java.util.Arrays.stream(refs).mapToInt(r -> r.getUsingBundles() == null ? 0
                : r.getUsingBundles().length).sum();
    }

    private static List<String> childPids(Worker worker, String state) {
        return worker.stats().workers().stream().filter(w -> w.state().equals(state)).map(w -> w.id()).sorted().toList();
    }

    /**
     * A hot-swap away from prefork and back within seconds finds the same children up: the new pool adopts the
     * old one's parked hub instead of starting JVMs; tasks run there at once. Left alone, a parked hub retires
     * its children; a stopping bundle takes them with it.
     */
    @Test
    void aHotSwapBackToPreforkAdoptsTheChildrenOfThePoolBefore() throws Exception {
        Worker worker = boot();
        worker.use("prefork", 2);
        FelixContainer.await("two children and the spare up", WAIT,
                () -> childPids(worker, "idle").size() == 2 && childPids(worker, "spare").size() == 1);
        List<String> children = childPids(worker, "idle");
        String spare = childPids(worker, "spare").get(0);

        worker.use("threads", 2);
        // As a person swaps back a moment later: by then the worker has let go of the old prefork instance.
        FelixContainer.await("the old prefork instance released", WAIT, () -> preforkInstancesInUse() == 0);
        worker.use("prefork", 2);
        assertEquals(children, childPids(worker, "idle"), "the same children, not new ones");
        assertEquals(List.of(spare), childPids(worker, "spare"));
        long ranOn = ((Number) worker.submit(TaskRequest.of("wait", 0)).await(WAIT)).longValue();
        assertTrue(children.contains(Long.toString(ranOn)), ranOn + " in " + children);

        // Parked with nobody to adopt it, then the bundle stops: the children leave.
        worker.use("threads", 2);
        felix.bundle("org.celeriac.prefork").stop();
        for (String pid : List.of(children.get(0), children.get(1), spare)) { // a park lasts 10 s: long before it ends
            FelixContainer.await("child " + pid + " gone", Duration.ofSeconds(5),
                    () -> ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true));
        }
    }

    /**
     * {@code autoscale = 3,1} in the worker's configuration, on prefork: a child holds the tasks it is sent
     * ahead of its running one; the autoscaler counts them as waiting, grows the pool, and the new children
     * take them back, so three 3-second tasks run side by side on three children.
     */
    @Test
    void autoscaleGrowsPreforkForTasksAChildHolds() throws Exception {
        Worker worker = boot();
        ConfigurationAdmin admin = felix.context().getService(felix.context().getServiceReference(ConfigurationAdmin.class));
        Configuration config = admin.getConfiguration("org.celeriac.worker", "?");
        // First the swap to one child, alone: with autoscale on at once, its first tick could shrink the pool
        // being swapped away to one child, and tasks sent then would start there, not on the pool under test.
        config.update(new Hashtable<>(Map.of("pool", "prefork", "concurrency", 1)));
        FelixContainer.await("swapped to one child, the old instance released", WAIT,
                () -> worker.stats().concurrency() == 1 && preforkInstancesInUse() == 1);
        config.update(new Hashtable<>(Map.of("pool", "prefork", "concurrency", 1, "autoscale", "3,1", "autoscale.keepalive", 1.0)));
        FelixContainer.await("autoscale on", WAIT, () -> worker.autoscale().max() == 3);
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            handles.add(worker.submit(TaskRequest.of("wait", 3)));
        }
        FelixContainer.await("the pool grown to 3", WAIT, () -> worker.stats().concurrency() == 3);
        List<Long> pids = new ArrayList<>();
        for (TaskHandle h : handles) {
            pids.add(((Number) h.await(WAIT)).longValue());
        }
        assertEquals(3, pids.stream().distinct().count(), "each ran on a child of its own, side by side: " + pids);
    }

    /**
     * A task bundle installed while the worker runs on prefork reaches the children by itself (a rolling
     * restart), and tasks sent at once are never failed as unknown by a child from before it.
     */
    @Test
    void aTaskBundleInstalledWhileRunningReachesTheChildrenAndNoTaskIsFailedAsUnknown() throws Exception {
        Worker worker = bootWithoutTheFaultTasks();
        assertEquals(5L, ((Number) worker.submit(TaskRequest.of("add", 2, 3)).await(WAIT)).longValue(), "children are up");

        felix.install(FelixContainer.extraBundle("celeriac-example-faults.jar"));
        Path log = tmp.resolve("appended.log");
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            handles.add(worker.submit(TaskRequest.of("append", log.toString(), "task-" + i)));
        }
        for (int i = 0; i < handles.size(); i++) {
            assertEquals("task-" + i, handles.get(i).await(WAIT), "task " + i);
        }
        assertEquals(300, Files.readAllLines(log).size(), "each ran once");
    }

    /**
     * A task bundle updated to new code while its tasks run on prefork: every task completes once, and
     * tasks sent after the update run the new code (no child from before the update gets them).
     */
    @Test
    void aTaskBundleUpdatedWhileItsTasksRunRunsTheNewCodeAndLosesNothing() throws Exception {
        Worker worker = bootWithoutTheFaultTasks();
        Path jar = tmp.resolve("versioned.jar");
        VersionedTaskBundle.write(jar, "v1", tmp);
        org.osgi.framework.Bundle bundle = felix.install(jar);
        assertEquals("v1", worker.submit(TaskRequest.of(VersionedTaskBundle.TASK)).await(WAIT));

        List<TaskHandle> before = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            before.add(worker.submit(TaskRequest.of(VersionedTaskBundle.TASK)));
        }
        VersionedTaskBundle.write(jar, "v2", tmp); // the jar replaced in place, as in deploy/
        bundle.update();
        List<TaskHandle> after = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            after.add(worker.submit(TaskRequest.of(VersionedTaskBundle.TASK)));
        }
        for (TaskHandle h : before) {
            Object v = h.await(WAIT);
            assertTrue(v.equals("v1") || v.equals("v2"), "sent before the update: " + v);
        }
        for (TaskHandle h : after) {
            assertEquals("v2", h.await(WAIT), "sent after the update");
        }
    }

    /**
     * A task that needs what only the worker's process has (here the Worker service itself) runs on threads,
     * and on prefork fails at once with the reason, never with a NullPointerException from a child.
     */
    @Test
    void aTaskAChildCannotHaveFailsAtOnceWithTheReason() throws Exception {
        Worker worker = bootWithoutTheFaultTasks();
        Path jar = tmp.resolve("needsworker.jar");
        VersionedTaskBundle.writeNeedingTheWorker(jar, tmp);
        felix.install(jar);
        worker.use("threads", 0);
        assertEquals("threads", worker.submit(TaskRequest.of("needs.worker")).await(WAIT));
        worker.use("prefork", 0);
        awaitFailure(worker, "needs.worker", "cannot run in a prefork child", "a child of the current task set reported what it cannot run");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> worker.submit(TaskRequest.of("needs.worker")).await(WAIT));
        assertTrue(e.getCause().getMessage().contains("cannot run in a prefork child")
                && e.getCause().getMessage().contains("run it on threads, green or solo"), e.getCause().getMessage());
        assertTrue(worker.unavailableTasks().getOrDefault("needs.worker", "").contains("could not be resolved or started in a child"),
                worker.unavailableTasks().toString());
        try (GogoSession shell = new GogoSession(felix.context())) {
            String registered = shell.execute("celeriac:registered");
            assertTrue(registered.lines().anyMatch(l -> l.startsWith("needs.worker") && l.contains("NOT ON prefork:")), registered);
            assertTrue(registered.lines().anyMatch(l -> l.startsWith("add ") && !l.contains("NOT ON")), registered);
        }
        assertEquals(5L, ((Number) worker.submit(TaskRequest.of("add", 2, 3)).await(WAIT)).longValue(), "other tasks run");
    }

    /**
     * A child activates a task's component when the task first comes to it (a delayed component, as DS
     * intends), not when it starts: one that cannot activate in a child (here it needs a lock the worker's
     * process holds) fails its tasks there with the reason, and the child and the bundle's other tasks carry on.
     */
    @Test
    void aTaskWhoseComponentCannotActivateInAChildFailsWithTheReason() throws Exception {
        Worker worker = bootWithoutTheFaultTasks();
        Path jar = tmp.resolve("lockholder.jar");
        VersionedTaskBundle.writeHoldingALock(jar, tmp.resolve("db.lock"), tmp);
        felix.install(jar);
        worker.use("threads", 0);
        assertEquals("locked", worker.submit(TaskRequest.of("lock.holder")).await(WAIT));
        worker.use("prefork", 0);
        awaitFailure(worker, "lock.holder", "failed to activate", "the task reaches a child of the current task set");
        // The child said so with its RESULT: the worker refuses the next ones at once, with the reason.
        assertTrue(worker.unavailableTasks().getOrDefault("lock.holder", "").contains("itlockholder.LockingTask failed to activate"),
                worker.unavailableTasks().toString());
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> worker.submit(TaskRequest.of("lock.holder")).await(WAIT));
        assertTrue(e.getCause().getMessage().contains("itlockholder.LockingTask failed to activate")
                && e.getCause().getMessage().contains("the lock file is held by another process"), e.getCause().getMessage());
        assertEquals(5L, ((Number) worker.submit(TaskRequest.of("add", 2, 3)).await(WAIT)).longValue(), "other tasks run");
    }

    /** Submits {@code task} until it fails with a message containing {@code text}: {@code what} has happened. */
    private static void awaitFailure(Worker worker, String task, String text, String what) throws InterruptedException {
        FelixContainer.await(what, WAIT, () -> {
            try {
                worker.submit(TaskRequest.of(task)).await(WAIT);
                return false;
            } catch (ExecutionException e) {
                return String.valueOf(e.getCause().getMessage()).contains(text);
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void theDefaultPoolRunsTasksInChildProcesses() throws Exception {
        Worker worker = boot();
        long pid = ((Number) worker.submit(TaskRequest.of("pid")).await(WAIT)).longValue();
        assertNotEquals(ProcessHandle.current().pid(), pid, "the task ran in a child JVM");
        assertEquals(5L, ((Number) worker.submit(TaskRequest.of("add", 2, 3)).await(WAIT)).longValue());
        assertEquals(List.of("from", "a", "child"), worker.submit(TaskRequest.of("echo", "from", "a", "child")).await(WAIT));
    }

    @Test
    void swappingBetweenPreforkAndThreadsInBothDirectionsLosesAndRepeatsNothing() throws Exception {
        Worker worker = boot();
        worker.use("prefork", 2);
        Path log = tmp.resolve("runs.log");
        List<TaskHandle> handles = new ArrayList<>();
        int n = 3000;
        for (int i = 0; i < n; i++) {
            handles.add(worker.submit(TaskRequest.of("append", log.toString(), "task-" + i)));
            if (i == 1000) {
                worker.use("threads", 2);
            } else if (i == 2000) {
                worker.use("prefork", 2);
            }
        }
        for (int i = 0; i < n; i++) {
            assertEquals("task-" + i, handles.get(i).await(WAIT));
        }
        Map<String, Long> runs = Files.readAllLines(log).stream().collect(Collectors.groupingBy(l -> l, HashMap::new, Collectors.counting()));
        assertEquals(n, runs.size(), "every task ran");
        runs.forEach((task, count) -> assertEquals(1L, count, task + " ran " + count + " times"));
    }

    @Test
    void aChildKilledWithSigkillFailsOnlyItsTaskInTheContainer() throws Exception {
        Worker worker = boot();
        TaskHandle victim = worker.submit(TaskRequest.of("wait", 30));
        FelixContainer.await("the task started", WAIT, () -> victim.workerId() != null);
        long pid = Long.parseLong(victim.workerId());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        ExecutionException e = assertThrows(ExecutionException.class, () -> victim.await(WAIT));
        WorkerLostException lost = assertInstanceOf(WorkerLostException.class, e.getCause());
        assertTrue(lost.getMessage().contains("SIGKILL"), lost.getMessage());
        assertEquals(2L, ((Number) worker.submit(TaskRequest.of("add", 1, 1)).await(WAIT)).longValue());
    }

    @Test
    void poolOptionsComeFromTheWorkerConfiguration() throws Exception {
        Worker worker = boot();
        ServiceReference<org.osgi.service.cm.ConfigurationAdmin> ref =
                felix.context().getServiceReference(org.osgi.service.cm.ConfigurationAdmin.class);
        org.osgi.service.cm.Configuration c = felix.context().getService(ref).getConfiguration("org.celeriac.worker", "?");
        c.update(new java.util.Hashtable<>(Map.of("pool", "prefork", "option.max.frame.bytes", "2048")));
        FelixContainer.await("the pool restarted with the option", WAIT, () -> {
            try {
                worker.submit(TaskRequest.of("echo", "x".repeat(4096))).await(WAIT);
                return false;
            } catch (ExecutionException e) {
                return e.getCause().getMessage().contains("exceeds the limit of 2048");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(List.of("small"), worker.submit(TaskRequest.of("echo", "small")).await(WAIT));
    }

    @Test
    void theShellSwitchesToPreforkAndBack() throws Exception {
        Worker worker = boot();
        try (GogoSession shell = new GogoSession(felix.context())) {
            assertTrue(shell.execute("celeriac:pools").contains("* prefork"));
            shell.execute("celeriac:use threads");
            assertEquals("threads", worker.activePool().orElseThrow());
            shell.execute("celeriac:use prefork 1");
            assertEquals("prefork", worker.activePool().orElseThrow());
            String stats = shell.execute("celeriac:stats");
            assertTrue(stats.contains("pool prefork") && stats.contains("concurrency 1"), stats);
            assertTrue(shell.execute("celeriac:restart").contains("restarted pool prefork"));
        }
        assertEquals(4L, ((Number) worker.submit(TaskRequest.of("add", 2, 2)).await(WAIT)).longValue());
    }
}
