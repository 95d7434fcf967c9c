package org.celeriac.worker.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolUnavailableException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.green.impl.GreenPool;
import org.celeriac.pool.solo.impl.SoloPool;
import org.celeriac.pool.spi.MapTaskRegistry;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.threads.impl.ThreadsPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's pool switching outside a framework, with real pools: hot-swaps, failover and parking raced
 * against submitters. Every task must complete exactly once, on some pool, with its own value.
 */
class PoolSwitchTest {
    /** Runs of each task id: a task that runs twice or never shows here. */
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final PoolEnvironment env = PoolEnvironment.of(new MapTaskRegistry()
            .register("echo", (ctx, args, kwargs) -> {
                runs.computeIfAbsent(ctx.request().id(), k -> new AtomicInteger()).incrementAndGet();
                Thread.sleep(((Number) args.get(1)).longValue());
                return args.get(0);
            }));
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final TaskBook book = new TaskBook(100_000);
    private final PoolCatalog catalog = new PoolCatalog();
    private volatile Duration poolWait = Duration.ofSeconds(30);
    private volatile boolean stopping;
    private final PoolSwitch lane = new PoolSwitch("test", catalog, new PoolSwitch.Host() {
        @Override
        public PoolConfig configFor(int concurrency) {
            return PoolConfig.ofConcurrency(concurrency);
        }

        @Override
        public Duration poolWait() {
            return poolWait;
        }

        @Override
        public WorkerTaskHandle pending(String taskId) {
            return book.pending(taskId);
        }

        @Override
        public boolean containerStopping() {
            return stopping;
        }

        @Override
        public void activated(String pool, String previous) {
            activations.add(previous + " -> " + pool);
        }
    }, timers);
    private final List<String> activations = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final DirectPoolOffer threads = new DirectPoolOffer("threads", 50, () -> new ThreadsPool(env));
    private final DirectPoolOffer green = new DirectPoolOffer("green", 10, () -> new GreenPool(env));
    private final DirectPoolOffer solo = new DirectPoolOffer("solo", 0, () -> new SoloPool(env));

    @AfterEach
    void close() {
        lane.close(Duration.ofSeconds(10));
        timers.shutdownNow();
    }

    private WorkerTaskHandle submit(String id, long sleepMillis) {
        WorkerTaskHandle h = new WorkerTaskHandle(TaskRequest.builder("echo").id(id).args(List.of(id, sleepMillis)).build(),
                book, x -> false);
        assertTrue(book.admit(h));
        lane.route(h);
        return h;
    }

    private void install(DirectPoolOffer... offers) {
        for (DirectPoolOffer o : offers) {
            catalog.add(o);
            lane.offerAdded(o);
        }
    }

    private void withdraw(DirectPoolOffer o) {
        catalog.remove(o);
        lane.offerRemoved(o);
    }

    private void assertEachRanOnceWithItsValue(List<WorkerTaskHandle> handles) throws Exception {
        for (WorkerTaskHandle h : handles) {
            assertEquals(h.taskId(), h.await(Duration.ofSeconds(30)), h.toString());
            assertEquals(TaskState.SUCCESS, h.state());
            assertEquals(1, runs.get(h.taskId()).get(), "runs of " + h.taskId());
        }
        assertEquals(0, book.pendingCount());
    }

    @Test
    void startsTheSelectedPoolOrTheBestInstalledUntilItComes() throws Exception {
        catalog.add(green);
        catalog.add(solo);
        lane.start("threads", 2);
        assertEquals(Optional.of("green"), lane.activePool().map(BasePool::name), "highest ranking while threads is missing");
        install(threads);
        WorkerTaskHandle h = submit("t1", 0);
        assertEquals("t1", h.await(Duration.ofSeconds(10)));
        awaitActive("threads");
        withdraw(threads);
        assertEquals(Optional.of("green"), lane.activePool().map(BasePool::name), "failover completes before the withdrawal returns");
        assertEquals(List.of("null -> green", "green -> threads", "threads -> green"), activations,
                "the host hears of every change of the active pool: start, the selected pool coming, failover");
    }

    @Test
    void tasksRacingHotSwapsAndPoolLossRunExactlyOnce() throws Exception {
        catalog.add(threads);
        catalog.add(green);
        catalog.add(solo);
        lane.start("threads", 4);
        List<WorkerTaskHandle> handles = java.util.Collections.synchronizedList(new ArrayList<>());
        int submitters = 3;
        int perSubmitter = 1500;
        CountDownLatch done = new CountDownLatch(submitters);
        for (int s = 0; s < submitters; s++) {
            int base = s * perSubmitter;
            Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perSubmitter; i++) {
                    handles.add(submit("task-" + (base + i), i % 50 == 0 ? 2 : 0));
                }
                done.countDown();
            });
        }
        String[] order = {"green", "threads", "solo", "green", "threads"};
        for (String pool : order) {
            lane.use(pool, 0);
        }
        withdraw(threads); // the active pool goes away mid-stream: fail over to green
        install(threads);  // the selected pool comes back: swap back to it
        done.await();
        assertEquals(submitters * perSubmitter, handles.size());
        assertEachRanOnceWithItsValue(handles);
        awaitActive("threads");
        assertTrue(threads.released.get() >= threads.acquired.get() - 1, "retired instances go back to their offer");
    }

    @Test
    void tasksWithoutAPoolWaitAndRunWhenOneComes() throws Exception {
        lane.start("threads", 1);
        assertTrue(lane.activePool().isEmpty());
        List<WorkerTaskHandle> parked = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            parked.add(submit("p" + i, 0));
        }
        assertTrue(parked.stream().noneMatch(WorkerTaskHandle::isDone));
        install(green);
        assertEachRanOnceWithItsValue(parked);
    }

    @Test
    void aParkedTaskFailsAfterThePoolWaitAndCanBeTakenBack() throws Exception {
        lane.start("threads", 1);
        poolWait = Duration.ofMillis(200);
        WorkerTaskHandle expires = submit("late", 0);
        WorkerTaskHandle taken = submit("taken", 0);
        assertTrue(lane.unpark(taken));
        assertFalse(lane.unpark(taken));
        ExecutionException e = assertThrows(ExecutionException.class, () -> expires.await(Duration.ofSeconds(5)));
        assertInstanceOf(PoolUnavailableException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("within PT0.2S"), e.getCause().getMessage());
        assertEquals(TaskState.FAILURE, expires.state());
        assertFalse(taken.isDone(), "a task taken back is its taker's to complete");
    }

    @Test
    void withNothingElseInstalledTheLossOfThePoolParksTasksUntilAnotherComes() throws Exception {
        catalog.add(threads);
        lane.start("threads", 1);
        WorkerTaskHandle running = submit("long", 300);
        // Running, not just queued: a queued task would be taken back from the retired pool and wait too.
        running.started().toCompletableFuture().get(10, TimeUnit.SECONDS);
        withdraw(threads);
        assertTrue(lane.activePool().isEmpty());
        WorkerTaskHandle waiting = submit("waiting", 0);
        assertEquals("long", running.await(Duration.ofSeconds(10)), "a running task finishes on the retired pool");
        install(solo);
        assertEquals("waiting", waiting.await(Duration.ofSeconds(10)));
    }

    @Test
    void whileTheContainerStopsALostPoolIsNotReplaced() throws Exception {
        catalog.add(threads);
        catalog.add(green);
        lane.start("threads", 1);
        stopping = true;
        withdraw(threads);
        assertTrue(lane.activePool().isEmpty(), "no churn through every pool while the framework stops");
        assertEquals(0, green.acquired.get());
    }

    @Test
    void anUnknownPoolIsRefusedWithTheInstalledNamesAndTheActiveOneStays() {
        catalog.add(threads);
        catalog.add(solo);
        lane.start("threads", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lane.use("thread", 1));
        assertEquals("unknown pool 'thread'; available: [threads, solo]", e.getMessage());
        assertEquals(Optional.of("threads"), lane.activePool().map(BasePool::name));
    }

    @Test
    void aFallbackThatRefusesTheConcurrencyStartsWithItsDefault() {
        catalog.add(solo);
        lane.start("threads", 4); // solo takes only 1
        assertEquals(Optional.of("solo"), lane.activePool().map(BasePool::name));
        assertEquals(PoolState.RUN, lane.activePool().get().state());
    }

    @Test
    void closingFailsParkedTasksAndRefusesLaterOnes() throws Exception {
        lane.start("threads", 1);
        WorkerTaskHandle parked = submit("parked", 0);
        assertTrue(lane.close(Duration.ofSeconds(1)));
        ExecutionException e = assertThrows(ExecutionException.class, () -> parked.await(Duration.ofSeconds(1)));
        assertInstanceOf(PoolUnavailableException.class, e.getCause());
        WorkerTaskHandle late = submit("late", 0);
        assertInstanceOf(PoolUnavailableException.class,
                assertThrows(ExecutionException.class, () -> late.await(Duration.ofSeconds(1))).getCause());
    }

    private void awaitActive(String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!lane.activePool().map(BasePool::name).equals(Optional.of(name)) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(Optional.of(name), lane.activePool().map(BasePool::name));
    }
}
