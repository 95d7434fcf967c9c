package org.celeriac.pool.prefork.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import org.celeriac.examples.faults.AppendTask;
import org.celeriac.examples.faults.ExitTask;
import org.celeriac.examples.faults.OomTask;
import org.celeriac.examples.faults.WaitTask;
import org.celeriac.examples.tasks.AddTask;
import org.celeriac.examples.tasks.EchoTask;
import org.celeriac.examples.tasks.FailTask;
import org.celeriac.examples.tasks.PidTask;
import org.celeriac.examples.tasks.SleepTask;
import org.celeriac.examples.tasks.SpinTask;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolEvents;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.UnknownTaskException;
import org.celeriac.pool.spi.MapTaskRegistry;
import org.celeriac.pool.spi.PoolEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prefork pool with real child JVMs, outside OSGi: what needs the implementation class (the hub's
 * reader threads, spawn times) or a configuration the container tests do not use. Faults, limits,
 * recycling and resizing are tested through the OSGi service in {@code PreforkPoolIT}.
 */
class PreforkPoolTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final MapTaskRegistry registry = new MapTaskRegistry()
            .register("add", new AddTask()).register("echo", new EchoTask()).register("fail", new FailTask())
            .register("sleep", new SleepTask()).register("spin", new SpinTask()).register("pid", new PidTask())
            .register("exit", new ExitTask()).register("append", new AppendTask()).register("oom", new OomTask()).register("wait", new WaitTask());
    private PreforkPool pool;

    private PreforkPool start(PoolConfig config) {
        List<Path> classpath = new ArrayList<>();
        List<Path> taskJars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            classpath.add(p);
            if (entry.contains("example-tasks") || entry.contains("example-faults") || entry.contains("tasks-bundle")) {
                taskJars.add(p);
            }
        }
        pool = PreforkPool.standalone(PoolEnvironment.of(registry, (topic, props) -> events.add(topic)), classpath, taskJars);
        pool.start(config.withOptions(merge(config.options(), Map.of("class.data.cache", "false"))));
        return pool;
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new java.util.HashMap<>(b);
        m.putAll(a);
        return m;
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.terminate();
        }
    }

    private static Throwable failure(TaskHandle h) {
        return assertThrows(ExecutionException.class, () -> h.await(WAIT)).getCause();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    private long busyChildPid(TaskHandle h) throws InterruptedException {
        await("task " + h.taskId() + " started in a child", () -> h.workerId() != null);
        return Long.parseLong(h.workerId());
    }

    /**
     * A grace period that runs out ends the close within the grace, not 10 s later: the hub, draining as the
     * terminate cuts the task off, must not wait for the lock the terminating thread holds while it waits
     * for the hub (issue 13, bug 1).
     */
    @Test
    void aCloseWhoseGraceRunsOutReturnsWithinTheGrace() throws Exception {
        start(PoolConfig.ofConcurrency(1));
        TaskHandle h = pool.applyAsync(TaskRequest.of("sleep", 30));
        busyChildPid(h);
        long t0 = System.nanoTime();
        assertFalse(pool.close(Duration.ofMillis(500)), "the task outlived the grace");
        long tookMillis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertTrue(tookMillis < 1_500, "close(500 ms) took " + tookMillis + " ms");
        assertEquals(PoolState.TERMINATE, pool.state());
        assertInstanceOf(TaskTerminatedException.class, failure(h));
    }

    /**
     * A soft limit that fires as the task returns must never reach the child's RESULT write: an interrupt
     * there closes the socket, the child dies and a task that succeeded is reported lost (issue 13, bug 2).
     * The spin task ignores interrupts and returns after its time; soft limits around that time make the
     * timer race the return thousands of times.
     */
    @Test
    void aSoftLimitRacingTheReturnNeverTurnsASuccessIntoALoss() throws Exception {
        start(PoolConfig.ofConcurrency(2));
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 4_000; i++) {
            long softMicros = 150 + (i % 100);
            handles.add(pool.applyAsync(TaskRequest.builder("spin").args(List.of(0.0002))
                    .softTimeLimit(Duration.ofNanos(softMicros * 1000)).build()));
        }
        int lost = 0;
        for (TaskHandle h : handles) {
            try {
                h.await(WAIT);
            } catch (ExecutionException e) {
                lost++;
                assertFalse(e.getCause() instanceof org.celeriac.pool.api.WorkerLostException, "task " + h.taskId() + ": " + e.getCause());
            }
        }
        assertEquals(0, lost, "a task that ignores its soft limit returns its value");
    }

    @Test
    void tasksRunInChildrenThatSaidWorkerUp() throws Exception {
        start(PoolConfig.ofConcurrency(2));
        assertTrue(events.stream().filter(PoolEvents.TOPIC_WORKER_UP::equals).count() >= 2, "start() returns once both children are up");
        long pid = ((Number) pool.applyAsync(TaskRequest.of("pid")).await(WAIT)).longValue();
        assertNotEquals(ProcessHandle.current().pid(), pid);
        assertEquals(5L, ((Number) pool.applyAsync(TaskRequest.of("add", 2, 3)).await(WAIT)).longValue());

        RemoteTaskException remote = assertInstanceOf(RemoteTaskException.class, failure(pool.applyAsync(TaskRequest.of("fail", "bad"))));
        assertEquals("java.lang.IllegalStateException", remote.remoteType());
        assertTrue(remote.getMessage().contains("bad") && remote.remoteTrace().contains("FailTask"), remote.remoteTrace());
        assertInstanceOf(UnknownTaskException.class, failure(pool.applyAsync(TaskRequest.of("nope"))));
    }

    @Test
    void terminateJobKillsTheChildAndDrainHandsBackQueuedTasks() throws Exception {
        start(PoolConfig.ofConcurrency(1).withOptions(Map.of("prefetch", "4")));
        TaskHandle running = pool.applyAsync(TaskRequest.of("wait", 30));
        busyChildPid(running);
        List<TaskHandle> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            queued.add(pool.applyAsync(TaskRequest.of("add", i, 1)));
        }
        // The first three were sent ahead to the child (prefetch 4), which has not started them: drain takes
        // them back too.
        await("three tasks sent ahead", () -> pool.heldByChildren() == 3);
        assertEquals(10, pool.stats().queued(), "tasks a child holds and has not started count as queued");
        List<TaskRequest> drained = pool.drainPending();
        assertEquals(queued.stream().map(TaskHandle::taskId).toList(), drained.stream().map(TaskRequest::id).toList());
        for (TaskHandle h : queued) {
            assertInstanceOf(TaskRequeuedException.class, failure(h));
        }
        assertTrue(pool.terminateJob(running.taskId()));
        assertInstanceOf(TaskTerminatedException.class, failure(running));
        assertEquals(2L, ((Number) pool.applyAsync(TaskRequest.of("add", 1, 1)).await(WAIT)).longValue());
    }

    /** Prefetch 1, the strict form: a child is sent its next task only once it has answered. */
    @Test
    void withPrefetchOneNothingIsSentAhead() throws Exception {
        start(PoolConfig.ofConcurrency(1).withOptions(Map.of("prefetch", "1")));
        TaskHandle running = pool.applyAsync(TaskRequest.of("wait", 0.5));
        busyChildPid(running);
        List<TaskHandle> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(pool.applyAsync(TaskRequest.of("add", i, 1)));
        }
        Thread.sleep(200);
        assertEquals(0, pool.heldByChildren(), "all three wait in the worker");
        assertEquals(3, pool.stats().queued());
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1L, ((Number) queued.get(i).await(WAIT)).longValue());
        }
    }

    /**
     * Fair scheduling with tasks sent ahead: a task sent to a busy child is taken back for a child that falls
     * idle, and runs there once, long before the busy child would have got to it.
     */
    @Test
    void aTaskSentAheadToABusyChildRunsOnTheChildThatFallsIdle() throws Exception {
        Path runs = Files.createTempFile("celeriac-steal-", ".txt");
        try {
            start(PoolConfig.ofConcurrency(2));
            TaskHandle slow = pool.applyAsync(TaskRequest.of("wait", 20));
            long slowPid = busyChildPid(slow);
            TaskHandle quick = pool.applyAsync(TaskRequest.of("wait", 0.5));
            long quickPid = busyChildPid(quick);
            // Both children busy, one task each: the next one goes to the first of them, the slow one.
            TaskHandle behind = pool.applyAsync(TaskRequest.of("append", runs.toString(), "behind"));
            await("the task sent ahead", () -> pool.heldByChildren() == 1);
            assertEquals("behind", behind.await(Duration.ofSeconds(10)), "ran long before the slow task ends");
            assertEquals(Long.toString(quickPid), behind.workerId());
            assertNotEquals(slowPid, quickPid);
            assertEquals(List.of("behind"), Files.readAllLines(runs), "ran once");
            assertFalse(slow.state().isDone(), "the slow task still runs");
        } finally {
            Files.deleteIfExists(runs);
        }
    }

    /**
     * Growing the pool (as the autoscaler does, which counts held tasks as queued) lets the new children take
     * back what the busy one holds: the three tasks run side by side, not one after another.
     */
    @Test
    void childrenAddedByGrowTakeBackWhatABusyChildHolds() throws Exception {
        start(PoolConfig.ofConcurrency(1).withOptions(Map.of("spare.children", "0")));
        TaskHandle slow = pool.applyAsync(TaskRequest.of("wait", 20));
        long slowPid = busyChildPid(slow);
        List<TaskHandle> held = List.of(pool.applyAsync(TaskRequest.of("wait", 0.5)), pool.applyAsync(TaskRequest.of("wait", 0.5)));
        await("both held by the busy child", () -> pool.heldByChildren() == 2);
        assertEquals(2, pool.stats().queued());
        pool.grow(2);
        Set<Long> pids = new java.util.HashSet<>();
        for (TaskHandle h : held) {
            pids.add(((Number) h.await(Duration.ofSeconds(15))).longValue());
        }
        assertEquals(2, pids.size(), "each ran on a child of its own: " + pids);
        assertFalse(pids.contains(slowPid));
        assertFalse(slow.state().isDone());
    }

    /**
     * Taking back races the child starting the task (a compare-and-set each side). Bursts of two waits of
     * random length and two appends: the appends go ahead to busy children, and the child that falls idle
     * first takes one back, often just as its owner gets to it. Every append runs exactly once.
     */
    @Test
    void underRacingTakeBacksEveryTaskRunsExactlyOnce() throws Exception {
        Path runs = Files.createTempFile("celeriac-steal-", ".txt");
        try {
            start(PoolConfig.ofConcurrency(2));
            java.util.Random random = new java.util.Random(16);
            List<String> expected = new ArrayList<>();
            for (int burst = 0; burst < 200; burst++) {
                List<TaskHandle> tasks = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    tasks.add(pool.applyAsync(TaskRequest.of("wait", random.nextInt(4) / 1000.0)));
                }
                for (int i = 0; i < 2; i++) {
                    expected.add(burst + "." + i);
                    tasks.add(pool.applyAsync(TaskRequest.of("append", runs.toString(), burst + "." + i)));
                }
                for (TaskHandle h : tasks) {
                    h.await(WAIT);
                }
            }
            Map<String, Long> runsOf = Files.readAllLines(runs).stream()
                    .collect(java.util.stream.Collectors.groupingBy(line -> line, java.util.stream.Collectors.counting()));
            assertEquals(List.of(), expected.stream().filter(line -> runsOf.getOrDefault(line, 0L) != 1)
                    .map(line -> line + " ran " + runsOf.getOrDefault(line, 0L) + " times").toList());
            assertEquals(expected.size(), runsOf.size());
        } finally {
            Files.deleteIfExists(runs);
        }
    }

    /**
     * With prefetch 4 the child may have read the tasks together with the running one, long before the
     * terminate: the worker still takes back the one it has not started.
     */
    @Test
    void withPrefetchATaskTerminatedBeforeItStartsNeverRuns() throws Exception {
        Path runs = Files.createTempFile("celeriac-cancel-", ".txt");
        try {
            start(PoolConfig.ofConcurrency(1).withOptions(Map.of("prefetch", "4")));
            TaskHandle running = pool.applyAsync(TaskRequest.of("wait", 1.5));
            List<TaskHandle> sent = new ArrayList<>();
            for (String line : List.of("a", "b", "c")) {
                sent.add(pool.applyAsync(TaskRequest.of("append", runs.toString(), line)));
            }
            busyChildPid(running);
            await("all four sent to the child", () -> pool.heldByChildren() == 3);
            assertTrue(pool.terminateJob(sent.get(1).taskId()));
            assertEquals("a", sent.get(0).await(WAIT));
            assertInstanceOf(TaskTerminatedException.class, failure(sent.get(1)));
            assertEquals("c", sent.get(2).await(WAIT));
            assertEquals(List.of("a", "c"), Files.readAllLines(runs), "the cancelled task never ran");
        } finally {
            Files.deleteIfExists(runs);
        }
    }

    /** Sent ahead, then terminated before it started: taken back from the child, which skips it. */
    @Test
    void aTaskSentAheadAndTerminatedBeforeItStartsNeverRuns() throws Exception {
        Path runs = Files.createTempFile("celeriac-cancel-", ".txt");
        try {
            start(PoolConfig.ofConcurrency(1));
            TaskHandle running = pool.applyAsync(TaskRequest.of("wait", 1.5));
            long pid = busyChildPid(running);
            TaskHandle ahead = pool.applyAsync(TaskRequest.of("append", runs.toString(), "ahead"));
            await("the task sent ahead", () -> pool.heldByChildren() == 1);
            assertTrue(pool.terminateJob(ahead.taskId()));
            assertInstanceOf(TaskTerminatedException.class, failure(ahead));
            assertEquals(pid, ((Number) running.await(WAIT)).longValue(), "the running task was not touched");
            assertEquals("after", pool.applyAsync(TaskRequest.of("append", runs.toString(), "after")).await(WAIT));
            assertEquals(List.of("after"), Files.readAllLines(runs), "the cancelled task never ran");
        } finally {
            Files.deleteIfExists(runs);
        }
    }

    /**
     * A task sent ahead to a busy child can wait there past its expiry: the child checks it when it gets to
     * the task, and the task is revoked without running, as on every pool (the worker checks only when it
     * sends a task).
     */
    @Test
    void aTaskThatExpiresWhileHeldByAChildNeverRuns(@TempDir Path dir) throws Exception {
        String runs = dir.resolve("runs.txt").toString();
        start(PoolConfig.ofConcurrency(1));
        TaskHandle running = pool.applyAsync(TaskRequest.of("wait", 1.5));
        TaskHandle expiring = pool.applyAsync(TaskRequest.builder("append").args(List.of(runs, "late"))
                .expires(java.time.Instant.now().plusMillis(300)).build());
        TaskHandle lasting = pool.applyAsync(TaskRequest.of("append", runs, "kept"));
        busyChildPid(running);
        await("both sent to the child", () -> pool.heldByChildren() == 2);
        assertInstanceOf(TaskExpiredException.class, failure(expiring));
        assertEquals(TaskState.REVOKED, expiring.state());
        assertEquals("kept", lasting.await(WAIT));
        assertEquals(List.of("kept"), Files.readAllLines(Path.of(runs)), "the expired task never ran");
    }

    /**
     * A busy hub looks at its timers at most once a millisecond: a hard time limit is still kept while the
     * other child's results keep its loop turning, and the tasks held by the child it kills run elsewhere.
     * (With the look deferred for good, the spinning task would run its full minute.)
     */
    @Test
    void aHardTimeLimitIsKeptWhileTheHubIsBusy() throws Exception {
        start(PoolConfig.ofConcurrency(2));
        TaskHandle hard = pool.applyAsync(TaskRequest.builder("spin").args(List.of(60)).timeLimit(Duration.ofMillis(500)).build());
        await("the spinning task started", () -> hard.workerId() != null);
        long t0 = System.nanoTime();
        List<TaskHandle> echoes = new ArrayList<>();
        while (!hard.result().toCompletableFuture().isDone() && System.nanoTime() - t0 < WAIT.toNanos()) {
            List<TaskHandle> burst = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                burst.add(pool.applyAsync(TaskRequest.of("echo", i)));
            }
            for (TaskHandle h : burst) {
                h.await(WAIT);
            }
            echoes.addAll(burst);
        }
        assertInstanceOf(TimeLimitExceededException.class, failure(hard));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "the limit was kept late");
        assertFalse(echoes.isEmpty(), "the hub was kept busy");
        for (TaskHandle h : echoes) {
            assertEquals(TaskState.SUCCESS, h.state());
        }
    }

    @Test
    void oversizedPayloadsFailTheirTaskWithAClearError() throws Exception {
        start(PoolConfig.ofConcurrency(1).withOptions(Map.of("max.frame.bytes", "2048")));
        TaskHandle big = pool.applyAsync(TaskRequest.of("echo", "x".repeat(4096)));
        IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, failure(big));
        assertTrue(e.getMessage().contains("exceeds the limit of 2048"), e.getMessage());
        assertEquals(List.of("ok"), pool.applyAsync(TaskRequest.of("echo", "ok")).await(WAIT));
    }

    @Test
    void gracefulStopFinishesTasksAndChildrenExit() throws Exception {
        start(PoolConfig.ofConcurrency(2));
        TaskHandle h = pool.applyAsync(TaskRequest.of("sleep", 0.3));
        long pid = busyChildPid(h);
        pool.stop().toCompletableFuture().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(0.3, h.await(WAIT));
        assertEquals(PoolState.TERMINATE, pool.state());
        await("child " + pid + " exited", () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }
}
