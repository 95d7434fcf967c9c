package org.celeriac.pool.threads.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.testing.PoolContractTest;
import org.junit.jupiter.api.Test;

class ThreadsPoolTest extends PoolContractTest {

    @Override
    protected BasePool newPool(PoolEnvironment env) {
        return new ThreadsPool(env);
    }

    @Test
    void growAndShrinkResizeTheExecutor() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        pool.grow(2);
        assertEquals(3, pool.stats().concurrency());
        // Three blocked tasks can only all start if the pool really has three threads.
        List<TaskHandle> handles = new ArrayList<>();
        for (String gate : List.of("g1", "g2", "g3")) {
            handles.add(pool.applyAsync(TaskRequest.of("block", gate)));
        }
        for (String gate : List.of("g1", "g2", "g3")) {
            tasks.awaitStarted(gate);
        }
        pool.shrink(2);
        assertEquals(1, pool.stats().concurrency());
        for (String gate : List.of("g1", "g2", "g3")) {
            tasks.open(gate);
        }
        for (TaskHandle h : handles) {
            h.await(WAIT);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.shrink(1));
        assertTrue(e.getMessage().contains("at least one"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.grow(-3));
        assertThrows(UnsupportedOperationException.class, () -> pool.restart());
    }

    @Test
    void drainPendingHandsBackQueuedTasksExactlyOnce() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        TaskHandle running = pool.applyAsync(TaskRequest.of("block", "drain"));
        tasks.awaitStarted("drain");
        List<TaskHandle> queued = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            queued.add(pool.applyAsync(TaskRequest.of("count", i)));
        }
        assertEquals(100, pool.stats().queued());
        List<TaskRequest> drained = pool.drainPending();
        assertEquals(100, drained.size());
        for (TaskHandle h : queued) {
            assertInstanceOf(TaskRequeuedException.class, failure(h));
            assertEquals(TaskState.REQUEUED, h.state());
        }
        assertTrue(pool.drainPending().isEmpty());
        tasks.open("drain");
        running.await(WAIT);
        assertTrue(tasks.runs.isEmpty(), "a drained task never runs in the pool that gave it back");
        assertEquals(0, pool.stats().failed(), "requeued is not a failure");
    }

    @Test
    void aTerminatedQueuedTaskNeverRuns() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        TaskHandle running = pool.applyAsync(TaskRequest.of("block", "q"));
        tasks.awaitStarted("q");
        TaskRequest queued = TaskRequest.of("count", "terminated");
        TaskHandle h = pool.applyAsync(queued);
        assertTrue(pool.terminateJob(queued.id()));
        assertEquals(TaskState.REVOKED, h.state());
        assertEquals(0, pool.stats().queued());
        tasks.open("q");
        running.await(WAIT);
        assertTrue(tasks.runs.isEmpty());
    }
}
