package org.celeriac.pool.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolCapability;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolEvents;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRejectedException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.UnknownTaskException;
import org.celeriac.pool.spi.PoolEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link BasePool} contract, checked against every pool: each pool module's test extends this with a
 * factory. Pool-specific behaviour (queues, resizing, inline execution) is tested beside each pool.
 */
public abstract class PoolContractTest {
    protected static final Duration WAIT = Duration.ofSeconds(20);
    protected final TestTasks tasks = new TestTasks();
    protected final List<String> events = new CopyOnWriteArrayList<>();
    protected final PoolEnvironment env = PoolEnvironment.of(tasks.registry, (topic, props) -> events.add(topic));
    protected BasePool pool;

    /** A fresh, unstarted pool of the kind under test, using {@code env}. */
    protected abstract BasePool newPool(PoolEnvironment env);

    /** The concurrency the contract tests start the pool with. */
    protected int concurrency() {
        return 2;
    }

    @BeforeEach
    void createPool() {
        pool = newPool(env);
    }

    @AfterEach
    void terminatePool() {
        pool.terminate();
    }

    protected void start() {
        pool.start(PoolConfig.ofConcurrency(concurrency()));
    }

    protected static Throwable failure(TaskHandle handle) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> handle.await(WAIT));
        return e.getCause();
    }

    /** Submits from another thread, for pools (solo) that run the task on the caller. */
    protected TaskHandle submitAsync(TaskRequest request) throws Exception {
        if (!pool.isGreen() && pool.name().equals("solo")) {
            var result = new java.util.concurrent.CompletableFuture<TaskHandle>();
            Thread.ofPlatform().daemon().start(() -> result.complete(pool.applyAsync(request)));
            return new DeferredHandle(request, result);
        }
        return pool.applyAsync(request);
    }

    @Test
    void lifecycleGoesInitRunCloseTerminate() throws Exception {
        assertEquals(PoolState.INIT, pool.state());
        start();
        assertEquals(PoolState.RUN, pool.state());
        assertThrows(IllegalStateException.class, this::start, "start twice");
        pool.stop().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(PoolState.TERMINATE, pool.state());
        assertTrue(events.contains(PoolEvents.TOPIC_POOL_STARTED), "events " + events);
        assertTrue(events.contains(PoolEvents.TOPIC_POOL_STOPPED), "events " + events);
    }

    @Test
    void applyBeforeStartOrAfterStopIsRejected() throws Exception {
        TaskRejectedException before = assertThrows(TaskRejectedException.class, () -> pool.applyAsync(TaskRequest.of("noop")));
        assertTrue(before.getMessage().contains("INIT"), before.getMessage());
        start();
        pool.stop();
        TaskRejectedException after = assertThrows(TaskRejectedException.class, () -> pool.applyAsync(TaskRequest.of("noop")));
        assertTrue(after.getMessage().contains(pool.name()), after.getMessage());
        assertThrows(NullPointerException.class, () -> pool.applyAsync(null));
    }

    @Test
    void returnsResultsAndPropagatesExceptions() throws Exception {
        start();
        TaskHandle ok = pool.applyAsync(TaskRequest.of("add", 40, 2));
        assertEquals(42L, ok.await(WAIT));
        assertEquals(TaskState.SUCCESS, ok.state());
        assertNotNull(ok.workerId());

        TaskHandle bad = pool.applyAsync(TaskRequest.of("fail", "x"));
        Throwable cause = failure(bad);
        assertInstanceOf(IllegalStateException.class, cause);
        assertEquals("boom: [x]", cause.getMessage());
        assertEquals(TaskState.FAILURE, bad.state());

        assertEquals(1, pool.stats().completed());
        assertEquals(1, pool.stats().failed());
        assertEquals("org.celeriac.task.logger", pool.applyAsync(TaskRequest.of("logger")).await(WAIT), "a task logs under its name");
    }

    @Test
    void concurrencyIsUsedAndNeverExceeded() throws Exception {
        start();
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            handles.add(pool.applyAsync(TaskRequest.of("gauge", 2)));
        }
        for (TaskHandle h : handles) {
            h.await(WAIT);
        }
        assertEquals(concurrency(), tasks.maxConcurrent.get());
        assertEquals(60, pool.stats().completed());
    }

    @Test
    void startedCompletesWithTheWorkerBeforeTheResult() throws Exception {
        start();
        TaskHandle h = submitAsync(TaskRequest.of("block", "started"));
        List<String> order = new CopyOnWriteArrayList<>();
        h.started().thenAccept(worker -> order.add("started on " + worker));
        h.result().whenComplete((value, error) -> order.add("result"));
        tasks.awaitStarted("started");
        tasks.open("started");
        h.await(WAIT);
        assertNotNull(h.workerId());
        long deadline = System.nanoTime() + WAIT.toNanos(); // await() may return before the callbacks ran
        while (order.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        if (h instanceof DeferredHandle) { // solo runs the task inside applyAsync: its caller sees both at once
            assertTrue(order.contains("started on " + h.workerId()), order.toString());
        } else {
            assertEquals(List.of("started on " + h.workerId(), "result"), order);
        }
    }

    @Test
    void unknownTaskFailsTheHandleNamingTheTask() throws Exception {
        start();
        Throwable cause = failure(pool.applyAsync(TaskRequest.of("no.such.task")));
        assertInstanceOf(UnknownTaskException.class, cause);
        assertTrue(cause.getMessage().contains("'no.such.task'") && cause.getMessage().contains("add"), cause.getMessage());
    }

    @Test
    void badConfigurationIsRefusedWithAClearMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolConfig.ofConcurrency(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void expiredTasksAreRevokedNotRun() throws Exception {
        start();
        TaskHandle h = pool.applyAsync(TaskRequest.builder("count").args(List.of("expired"))
                .expires(Instant.now().minusSeconds(1)).build());
        assertInstanceOf(TaskExpiredException.class, failure(h));
        assertEquals(TaskState.REVOKED, h.state());
        assertFalse(tasks.runs.containsKey("expired"));
        assertEquals(null, h.started().toCompletableFuture().getNow("not completed"), "it never started");
    }

    @Test
    void softTimeLimitInterruptsABlockedTask() throws Exception {
        start();
        TaskHandle h = submitAsync(TaskRequest.builder("block").args(List.of("soft"))
                .softTimeLimit(Duration.ofMillis(50)).build());
        Throwable cause = failure(h);
        assertInstanceOf(SoftTimeLimitExceededException.class, cause);
        assertInstanceOf(InterruptedException.class, cause.getCause());
    }

    @Test
    void softTimeLimitCanBeCaughtByACooperativeTask() throws Exception {
        start();
        TaskHandle h = submitAsync(TaskRequest.builder("cooperative").softTimeLimit(Duration.ofMillis(50)).build());
        assertEquals("cleaned up after soft limit", h.await(WAIT));
    }

    @Test
    void poolDefaultTimeLimitsApplyToTasksWithoutTheirOwn() throws Exception {
        pool.start(PoolConfig.ofConcurrency(concurrency()).withTimeLimits(Duration.ofMillis(50), null));
        assertInstanceOf(SoftTimeLimitExceededException.class, failure(submitAsync(TaskRequest.of("block", "default-soft"))));
    }

    @Test
    protected void hardTimeLimitFailsAStubbornTaskAndThePoolGoesOn() throws Exception {
        start();
        TaskHandle h = submitAsync(TaskRequest.builder("stubborn").args(List.of("hard"))
                .timeLimit(Duration.ofMillis(100)).build());
        Throwable cause = failure(h);
        assertInstanceOf(TimeLimitExceededException.class, cause);
        assertTrue(cause.getMessage().contains("hard time limit"), cause.getMessage());
        try {
            // The abandoned task still spins, yet the pool keeps serving its full concurrency.
            assertEquals(3L, submitAsync(TaskRequest.of("add", 1, 2)).await(WAIT));
        } finally {
            tasks.open("hard");
        }
    }

    @Test
    void terminateJobStopsARunningTask() throws Exception {
        start();
        TaskRequest request = TaskRequest.of("block", "terminate");
        TaskHandle h = submitAsync(request);
        tasks.awaitStarted("terminate");
        assertTrue(pool.capabilities().contains(PoolCapability.TERMINATE_JOB));
        assertTrue(pool.terminateJob(request.id()));
        assertInstanceOf(TaskTerminatedException.class, failure(h));
        assertEquals(TaskState.REVOKED, h.state());
        assertFalse(pool.terminateJob(request.id()), "terminating twice finds nothing");
        assertFalse(pool.terminateJob("no-such-id"));
    }

    /**
     * A terminate racing a task's way from the queue to a worker. Before, a job taken from the queue and not
     * yet in its worker's slot was invisible: the terminate answered "not here" and the task ran anyway (in
     * 1.4 % of such races on threads). Now "not here" means the task had ended.
     */
    @Test
    void terminateRacingTheStartNeverLetsATaskRunAfterAnsweringNo() throws Exception {
        assumeFalse(pool.name().equals("solo"), "solo runs a task inside applyAsync: there is no way to a worker");
        start();
        int ranAfterNo = 0;
        int stopped = 0;
        for (int i = 0; i < 20_000; i++) { // without the fix, ~5 in 5 000 ran on threads here, 1.4 % elsewhere
            TaskHandle h = pool.applyAsync(TaskRequest.of("noop"));
            if (i % 2 == 0) {
                Thread.onSpinWait(); // vary where the terminate meets the task
            }
            if (h.terminate()) {
                stopped++;
                assertInstanceOf(TaskTerminatedException.class, failure(h));
            } else if (h.state() == TaskState.PENDING) { // not started when the answer came (else it had run)
                h.await(WAIT);
                ranAfterNo++;
            }
        }
        assertEquals(0, ranAfterNo, "tasks that ran after terminate answered that they were not there");
        assertTrue(stopped > 0, "the race was never won by the terminate: the test proves nothing");
    }

    @Test
    void gracefulStopLetsRunningTasksFinish() throws Exception {
        start();
        TaskHandle h = submitAsync(TaskRequest.of("block", "graceful"));
        tasks.awaitStarted("graceful");
        var stopped = pool.stop().toCompletableFuture();
        assertEquals(PoolState.CLOSE, pool.state());
        assertFalse(stopped.isDone(), "stop waits for the running task");
        tasks.open("graceful");
        assertEquals("graceful", h.await(WAIT));
        stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(PoolState.TERMINATE, pool.state());
    }

    @Test
    void terminateCutsOffRunningTasks() throws Exception {
        start();
        TaskHandle h = submitAsync(TaskRequest.of("block", "cut"));
        tasks.awaitStarted("cut");
        pool.terminate();
        assertEquals(PoolState.TERMINATE, pool.state());
        assertInstanceOf(TaskTerminatedException.class, failure(h));
        pool.terminate(); // idempotent
    }

    /** Whether a task's worker id is the id of the worker that stats show running it (solo: the caller's thread). */
    protected boolean tasksReportTheirStatsWorker() {
        return true;
    }

    @Test
    void statsDescribeThePool() throws Exception {
        start();
        TaskHandle h = submitAsync(TaskRequest.of("block", "stats"));
        tasks.awaitStarted("stats");
        var stats = pool.stats();
        assertEquals(pool.name(), stats.pool());
        assertEquals(PoolState.RUN, stats.state());
        assertEquals(1, stats.active());
        // Workers may start eagerly (a thread per slot, a warm spare child) or per task (green): whatever the
        // pool keeps, exactly one of them runs this task.
        assertEquals(1, stats.workers().stream().filter(w -> h.taskId().equals(w.taskId())).count(), stats.toString());
        String runner = stats.workers().stream().filter(w -> h.taskId().equals(w.taskId())).findFirst().orElseThrow().id();
        tasks.open("stats");
        h.await(WAIT); // solo's handle is known to the test only once the task has run
        if (tasksReportTheirStatsWorker()) {
            assertEquals(runner, h.workerId(), "the handle names the worker that stats showed running the task");
            assertEquals(runner, h.started().toCompletableFuture().getNow(null), "started() completes with the same id");
        }
    }

    @Test
    void argumentsMustBeJsonValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskRequest.of("echo", new Object()));
        assertTrue(e.getMessage().contains("args[0]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TaskRequest.of(" "));
        assertThrows(IllegalArgumentException.class, () -> TaskRequest.of(null));
        assertThrows(IllegalArgumentException.class,
                () -> TaskRequest.builder("x").kwargs(Map.of("k", new ArrayList<>(List.of(Thread.currentThread())))).build());
    }
}
