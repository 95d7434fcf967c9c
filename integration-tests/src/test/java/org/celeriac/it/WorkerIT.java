package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.celeriac.pool.api.PoolUnavailableException;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.worker.api.PoolDescriptor;
import org.celeriac.worker.api.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The worker in a real Felix with SCR, Config Admin, Event Admin, FileInstall and Gogo: pool selection,
 * hot-swap and failover without loss or duplication, the deploy folder, the custom pool and the shell.
 */
class WorkerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private FelixContainer felix;
    /** Executions of the test's "count" task, by its argument: a task run twice shows 2 here. */
    private final Map<Object, AtomicInteger> runs = new ConcurrentHashMap<>();

    @TempDir
    Path deploy;

    private Worker boot(Map<String, String> properties) throws Exception {
        Map<String, String> props = new java.util.HashMap<>(properties);
        props.put("felix.fileinstall.dir", deploy.toString());
        props.put("felix.fileinstall.poll", "100");
        props.put("felix.fileinstall.noInitialDelay", "true");
        felix = FelixContainer.start(true, props);
        // A whiteboard task registered by the test itself: counts executions, sleeps args[1] ms.
        Dictionary<String, Object> taskProps = new Hashtable<>();
        taskProps.put(Task.NAME_PROPERTY, "count");
        felix.context().registerService(Task.class, (ctx, args, kwargs) -> {
            runs.computeIfAbsent(args.get(0), k -> new AtomicInteger()).incrementAndGet();
            if (args.size() > 1) {
                Thread.sleep(((Number) args.get(1)).longValue());
            }
            return args.get(0);
        }, taskProps);
        @SuppressWarnings("unchecked")
        ServiceReference<Worker> ref = (ServiceReference<Worker>) felix.awaitService(Worker.class.getName(), null, WAIT);
        Worker worker = felix.context().getService(ref);
        FelixContainer.await("a pool is active", WAIT, () -> worker.activePool().isPresent());
        return worker;
    }

    @AfterEach
    void shutdown() throws Exception {
        if (felix != null) {
            felix.close();
        }
    }

    private void configure(Map<String, Object> values) throws Exception {
        ServiceReference<ConfigurationAdmin> ref = felix.context().getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin admin = felix.context().getService(ref);
        Configuration c = admin.getConfiguration("org.celeriac.worker", "?");
        c.update(new Hashtable<>(values));
    }

    private List<TaskHandle> submitCounted(Worker worker, int n, int sleepMillis) {
        List<TaskHandle> handles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            handles.add(worker.submit(TaskRequest.of("count", i, sleepMillis)));
        }
        return handles;
    }

    /** Every handle completes with its own argument, and every task ran exactly once. */
    private void assertExactlyOnce(List<TaskHandle> handles) throws Exception {
        for (int i = 0; i < handles.size(); i++) {
            assertEquals(i, ((Number) handles.get(i).await(WAIT)).intValue(), "task " + i + " result");
        }
        assertEquals(handles.size(), runs.size(), "distinct tasks run");
        runs.forEach((k, v) -> assertEquals(1, v.get(), "task " + k + " ran " + v.get() + " times"));
    }

    @Test
    void withoutPreforkTheDefaultFallsBackToTheHighestRankingPoolAndConfigSelects() throws Exception {
        Worker worker = boot(Map.of());
        assertEquals("threads", worker.activePool().orElseThrow());
        configure(Map.of("pool", "gevent", "concurrency", 50));
        FelixContainer.await("switch to green by config", WAIT, () -> worker.activePool().equals(java.util.Optional.of("green")));
        assertEquals(50, worker.stats().concurrency());
        assertEquals(5L, worker.submit(TaskRequest.of("add", 2, 3)).await(WAIT));
    }

    @Test
    void launcherPropertiesChooseThePoolAtStart() throws Exception {
        Worker worker = boot(Map.of("celeriac.worker.pool", "solo"));
        assertEquals("solo", worker.activePool().orElseThrow());
    }

    @Test
    void hotSwapWithTenThousandTasksInFlightLosesAndDuplicatesNone() throws Exception {
        Worker worker = boot(Map.of());
        worker.use("threads", 2);
        List<TaskHandle> handles = submitCounted(worker, 10_000, 0);
        worker.use("green", 4);
        handles.addAll(submitCountedFrom(worker, 10_000, 20_000));
        worker.use("threads", 2);
        handles.addAll(submitCountedFrom(worker, 20_000, 25_000));
        worker.use("green", 8);
        assertExactlyOnce(handles);
    }

    private List<TaskHandle> submitCountedFrom(Worker worker, int from, int to) {
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = from; i < to; i++) {
            handles.add(worker.submit(TaskRequest.of("count", i, 0)));
        }
        return handles;
    }

    @Test
    void failoverWhenThePoolBundleStopsMidFlightLosesNothingAndComesBack() throws Exception {
        Worker worker = boot(Map.of("celeriac.worker.pool", "threads"));
        List<TaskHandle> handles = submitCounted(worker, 2_000, 1);
        felix.bundle("org.celeriac.threads").stop();
        assertEquals("green", worker.activePool().orElseThrow(), "failed over to the next-ranked pool");
        assertExactlyOnce(handles);
        felix.bundle("org.celeriac.threads").start();
        FelixContainer.await("back on the selected pool", WAIT, () -> worker.activePool().equals(java.util.Optional.of("threads")));
    }

    @Test
    void withNoPoolTasksWaitThenFailClearlyOrRunWhenAPoolReturns() throws Exception {
        Worker worker = boot(Map.of());
        configure(Map.of("pool", "green", "pool.wait.timeout", 0.3));
        FelixContainer.await("config applied", WAIT, () -> worker.activePool().equals(java.util.Optional.of("green")));
        for (String bsn : List.of("org.celeriac.threads", "org.celeriac.green", "org.celeriac.solo")) {
            felix.bundle(bsn).stop();
        }
        assertTrue(worker.activePool().isEmpty());
        TaskHandle late = worker.submit(TaskRequest.of("add", 1, 1));
        ExecutionException e = assertThrows(ExecutionException.class, () -> late.await(WAIT));
        assertInstanceOf(PoolUnavailableException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("no pool became available"), e.getCause().getMessage());

        TaskHandle parked = worker.submit(TaskRequest.of("sleep", 0.01));
        felix.bundle("org.celeriac.solo").start();
        assertEquals(0.01, parked.await(WAIT), "a parked task runs once a pool appears");
    }

    @Test
    void aPoolJarDroppedIntoTheDeployFolderBecomesSelectable() throws Exception {
        Worker worker = boot(Map.of());
        Files.copy(FelixContainer.extraBundle("celeriac-example-forkjoin.jar"), deploy.resolve("forkjoin.jar"));
        FelixContainer.await("forkjoin pool installed from " + deploy, WAIT,
                () -> worker.pools().stream().anyMatch(p -> p.name().equals("forkjoin")));
        try (GogoSession shell = new GogoSession(felix.context())) {
            assertTrue(shell.execute("celeriac:pools").contains("forkjoin"));
            shell.execute("celeriac:use forkjoin 3");
            assertEquals("forkjoin", worker.activePool().orElseThrow());
            String id = shell.execute("celeriac:send add '[2, 3]'").trim();
            FelixContainer.await("task done", WAIT, () -> worker.task(id).map(h -> h.state().isDone()).orElse(false));
            assertEquals("SUCCESS 5", shell.execute("celeriac:result " + id).trim());
        }
    }

    @Test
    void gogoCommandsDriveTheWorkerAndRejectBadInput() throws Exception {
        Worker worker = boot(Map.of());
        try (GogoSession shell = new GogoSession(felix.context())) {
            String pools = shell.execute("celeriac:pools");
            assertTrue(pools.contains("* threads"), pools);
            assertTrue(pools.contains("green,gevent,eventlet"), pools);

            assertTrue(shell.execute("celeriac:use green 10").contains("using pool green (concurrency 10)"));
            assertTrue(shell.execute("celeriac:grow 5").contains("concurrency now 15"));
            assertTrue(shell.execute("celeriac:shrink 3").contains("concurrency now 12"));
            assertTrue(shell.execute("celeriac:stats").contains("pool green"));

            String id = shell.execute("celeriac:send echo '[\"a\", 1]' '{\"k\": true}'").trim();
            FelixContainer.await("echo done", WAIT, () -> worker.task(id).map(h -> h.state().isDone()).orElse(false));
            assertEquals("SUCCESS {\"args\":[\"a\",1],\"kwargs\":{\"k\":true}}", shell.execute("celeriac:result " + id).trim());
            assertTrue(shell.execute("celeriac:tasks").contains(id));

            String failed = shell.execute("celeriac:send fail '[\"bad\"]'").trim();
            FelixContainer.await("fail done", WAIT, () -> worker.task(failed).map(h -> h.state().isDone()).orElse(false));
            assertEquals("FAILURE IllegalStateException: bad", shell.execute("celeriac:result " + failed).trim());

            String unknown = shell.execute("celeriac:send nope").trim();
            FelixContainer.await("unknown done", WAIT, () -> worker.task(unknown).map(h -> h.state().isDone()).orElse(false));
            assertTrue(shell.execute("celeriac:result " + unknown).contains("unknown task 'nope'"));

            String blocked = shell.execute("celeriac:send sleep '[30]'").trim();
            FelixContainer.await("sleep started", WAIT, () -> worker.task(blocked).map(h -> h.workerId() != null).orElse(false));
            assertTrue(shell.execute("celeriac:terminate " + blocked).contains("terminated"));
            assertTrue(shell.execute("celeriac:result " + blocked).startsWith("REVOKED"));

            assertTrue(shell.execute("celeriac:restart").contains("restarted pool green"));

            assertMessage(shell, "celeriac:use nosuchpool", "unknown pool 'nosuchpool'");
            assertMessage(shell, "celeriac:send add '[2, '", "not valid JSON");
            assertMessage(shell, "celeriac:send add '{\"a\": 1}'", "must be a JSON array");
            assertMessage(shell, "celeriac:grow -2", "count >= 1");
            assertMessage(shell, "celeriac:result no-such-id", "no pending, running or recent task");
            shell.execute("celeriac:use solo");
            assertMessage(shell, "celeriac:grow 1", "does not support grow");
        }
    }

    private static void assertMessage(GogoSession shell, String command, String expected) {
        Exception e = assertThrows(Exception.class, () -> shell.execute(command), command);
        assertTrue(String.valueOf(e.getMessage()).contains(expected), command + " -> " + e);
    }

    @Test
    void aCustomPoolFromAnInstalledBundleIsRegisteredAsCustom() throws Exception {
        Worker worker = boot(Map.of("celeriac.custom.worker.pool",
                "org.celeriac.example-forkjoin:org.celeriac.examples.forkjoin.ForkJoinPoolService"));
        felix.install(FelixContainer.extraBundle("celeriac-example-forkjoin.jar"));
        FelixContainer.await("custom pool registered", WAIT,
                () -> worker.pools().stream().map(PoolDescriptor::name).anyMatch("custom"::equals));
        worker.use("custom", 2);
        assertEquals("forkjoin", worker.activePool().orElseThrow(), "the custom pool is the class named");
        assertEquals(7L, worker.submit(TaskRequest.of("add", 3, 4)).await(WAIT));
    }

    @Test
    void aCustomPoolWhoseBundleStopsLetsItsRunningTaskFinishLikeAPoolComponent() throws Exception {
        Worker worker = boot(Map.of("celeriac.custom.worker.pool",
                "org.celeriac.example-forkjoin:org.celeriac.examples.forkjoin.ForkJoinPoolService"));
        org.osgi.framework.Bundle forkjoin = felix.install(FelixContainer.extraBundle("celeriac-example-forkjoin.jar"));
        FelixContainer.await("custom pool registered", WAIT,
                () -> worker.pools().stream().map(PoolDescriptor::name).anyMatch("custom"::equals));
        worker.use("custom", 2);
        TaskHandle running = worker.submit(TaskRequest.of("sleep", 1.0));
        FelixContainer.await("the task runs on the custom pool", WAIT, () -> running.workerId() != null);
        forkjoin.stop(); // the same stop that lets a DS pool component finish its task
        assertEquals(1.0, running.await(WAIT), "the running task finished instead of being cut off");
        assertTrue(worker.activePool().isPresent() && !worker.activePool().get().equals("forkjoin"), "failed over");
        assertEquals(3L, worker.submit(TaskRequest.of("add", 1, 2)).await(WAIT));
    }

    @Test
    void aSentTaskIsAlwaysFoundByResultNeverNoTask() throws Exception {
        Worker worker = boot(Map.of("celeriac.worker.pool", "threads"));
        try (GogoSession shell = new GogoSession(felix.context())) {
            for (int i = 0; i < 20_000; i++) {
                String id = shell.execute("celeriac:send add [" + i + ",1]").trim();
                String result = shell.execute("celeriac:result " + id).trim();
                // Found whatever the moment: still pending or running, or done with its result.
                assertTrue(result.equals("SUCCESS " + (i + 1)) || result.equals("PENDING") || result.equals("STARTED")
                        || result.equals("REQUEUED"), "send + result #" + i + ": " + result);
            }
        }
        assertEquals("threads", worker.activePool().orElseThrow());
    }

    @Test
    void resultsBeyondTheRetentionAreReportedEvicted() throws Exception {
        Worker worker = boot(Map.of("celeriac.worker.pool", "threads"));
        configure(Map.of("result.retention", 3));
        List<String> ids = new ArrayList<>();
        FelixContainer.await("retention applied", WAIT, () -> {
            ids.clear();
            try {
                for (int i = 0; i < 5; i++) {
                    TaskHandle h = worker.submit(TaskRequest.of("add", i, 0));
                    h.await(WAIT);
                    ids.add(h.taskId());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return worker.task(ids.get(0)).isEmpty(); // the configuration is applied asynchronously
        });
        assertTrue(worker.evicted(ids.get(0)) && worker.evicted(ids.get(1)));
        assertTrue(worker.task(ids.get(4)).isPresent() && !worker.evicted(ids.get(4)));
        try (GogoSession shell = new GogoSession(felix.context())) {
            assertMessage(shell, "celeriac:result " + ids.get(0), "its result was evicted");
            assertMessage(shell, "celeriac:result no-such-id", "no pending, running or recent task");
            assertEquals("SUCCESS 4", shell.execute("celeriac:result " + ids.get(4)).trim());
        }
    }

    @Test
    void badCustomPoolValuesGiveOneClearErrorAndTheWorkerKeepsRunning() throws Exception {
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()) {
                    errors.add(r.getMessage());
                }
            }
            @Override public void flush() { }
            @Override public void close() { }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        try {
            for (String[] bad : new String[][] {
                    {"no-colon-here", "malformed"},
                    {"org.celeriac.example-tasks:org.celeriac.NoSuchClass", "has no class"},
                    {"org.celeriac.example-tasks:org.celeriac.examples.tasks.AddTask", "does not implement"},
                    {"no.such.bundle:x.Y", "no bundle 'no.such.bundle'"}}) {
                errors.clear();
                Worker worker = boot(Map.of("celeriac.custom.worker.pool", bad[0]));
                FelixContainer.await("an error naming " + bad[0], WAIT,
                        () -> errors.stream().anyMatch(m -> m.contains(bad[0]) && m.contains(bad[1])));
                assertTrue(worker.pools().stream().noneMatch(p -> p.name().equals("custom")));
                assertEquals(2L, worker.submit(TaskRequest.of("add", 1, 1)).await(WAIT), "the worker keeps running");
                felix.close();
                felix = null;
            }
        } finally {
            root.removeHandler(capture);
        }
    }
}
