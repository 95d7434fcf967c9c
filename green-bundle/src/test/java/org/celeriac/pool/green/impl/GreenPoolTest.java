package org.celeriac.pool.green.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.testing.PoolContractTest;
import org.junit.jupiter.api.Test;

class GreenPoolTest extends PoolContractTest {

    @Override
    protected BasePool newPool(PoolEnvironment env) {
        return new GreenPool(env);
    }

    @Test
    void isGreenAndNotSignalSafeWithALargeDefaultConcurrency() {
        assertTrue(pool.isGreen());
        assertFalse(pool.signalSafe());
        pool.start(PoolConfig.DEFAULTS);
        assertEquals(GreenPool.DEFAULT_CONCURRENCY, pool.stats().concurrency());
    }

    @Test
    void fiftyThousandTasksBlockConcurrently() throws Exception {
        int n = 50_000;
        pool.start(PoolConfig.ofConcurrency(n));
        List<TaskHandle> handles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            handles.add(pool.applyAsync(TaskRequest.of("block", "many")));
        }
        // Every task must be blocked at once for the gate's single countdown to be reached by all of them:
        // the started-latch only proves the first, so wait until the pool reports all of them active.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (pool.stats().active() < n && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(n, pool.stats().active(), "all tasks blocked on the gate at the same time");
        tasks.open("many");
        CompletableFuture.allOf(handles.stream().map(h -> h.result().toCompletableFuture())
                .toArray(CompletableFuture[]::new)).get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(n, pool.stats().completed());
    }

    @Test
    void eachRunningTaskIsAWorkerNamedAfterItsVirtualThread() throws Exception {
        pool.start(PoolConfig.ofConcurrency(2));
        TaskHandle a = pool.applyAsync(TaskRequest.of("block", "a"));
        TaskHandle b = pool.applyAsync(TaskRequest.of("block", "b"));
        TaskHandle c = pool.applyAsync(TaskRequest.of("block", "c")); // queued: the bound is 2
        tasks.awaitStarted("a");
        tasks.awaitStarted("b");
        List<WorkerInfo> workers = pool.stats().workers();
        assertEquals(Set.of(a.request().id(), b.request().id()), workers.stream().map(WorkerInfo::taskId).collect(Collectors.toSet()));
        assertEquals(Set.of(a.workerId(), b.workerId()), workers.stream().map(WorkerInfo::id).collect(Collectors.toSet()));
        for (WorkerInfo w : workers) {
            assertEquals("busy", w.state());
            assertTrue(w.id().matches("green-\\d+"), w.id());
        }
        tasks.open("a");
        a.await(WAIT);
        tasks.awaitStarted("c");
        assertEquals(a.workerId(), c.workerId(), "the queued task runs on the virtual thread that finished its task");
        tasks.open("b");
        tasks.open("c");
        b.await(WAIT);
        c.await(WAIT);
        // A job leaves the registry right after its handle completes, on its own thread.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!pool.stats().workers().isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(List.of(), pool.stats().workers());
        assertEquals(0, pool.stats().active());
    }

    @Test
    void concurrencyBoundsInFlightTasks() throws Exception {
        pool.start(PoolConfig.ofConcurrency(7));
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            handles.add(pool.applyAsync(TaskRequest.of("gauge", 1)));
        }
        for (TaskHandle h : handles) {
            h.await(WAIT);
        }
        assertEquals(7, tasks.maxConcurrent.get());
    }

    @Test
    void growAdmitsQueuedTasksAndShrinkLowersTheBound() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        TaskHandle first = pool.applyAsync(TaskRequest.of("block", "a"));
        tasks.awaitStarted("a");
        TaskHandle second = pool.applyAsync(TaskRequest.of("block", "b"));
        assertEquals(1, pool.stats().queued());
        pool.grow(1);
        tasks.awaitStarted("b");
        assertEquals(0, pool.stats().queued());
        pool.shrink(1);
        assertEquals(1, pool.stats().concurrency());
        tasks.open("a");
        tasks.open("b");
        first.await(WAIT);
        second.await(WAIT);
    }

    @Test
    void drainPendingHandsBackQueuedTasks() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        TaskHandle running = pool.applyAsync(TaskRequest.of("block", "d"));
        tasks.awaitStarted("d");
        TaskHandle queued = pool.applyAsync(TaskRequest.of("count", "drained"));
        assertEquals(1, pool.drainPending().size());
        assertInstanceOf(TaskRequeuedException.class, failure(queued));
        tasks.open("d");
        running.await(WAIT);
        assertTrue(tasks.runs.isEmpty());
    }
}
