package org.celeriac.pool.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

/** The state machine of {@link AbstractPool}, driven through a pool that records its hooks. */
class AbstractPoolTest {

    /** A pool that runs tasks inline and records which hooks ran. */
    @PoolService(name = "recording")
    static final class RecordingPool extends AbstractPool {
        final List<String> hooks = new ArrayList<>();
        boolean failStart;

        RecordingPool() {
            super(PoolEnvironment.of(new MapTaskRegistry().register("one", (c, a, k) -> 1)));
        }

        @Override protected void onStart(PoolConfig config) {
            hooks.add("start");
            if (failStart) {
                throw new IllegalArgumentException("bad config");
            }
        }
        @Override protected void onApply(PoolTaskHandle handle, Task task) {
            hooks.add("apply");
            handle.succeed(1);
        }
        @Override protected void onStop() {
            hooks.add("stop");
            terminated();
        }
        @Override protected void onTerminate() {
            hooks.add("terminate");
        }
        @Override protected void onTerminated() {
            hooks.add("terminated");
        }
        @Override public List<TaskRequest> drainPending() { return List.of(); }
        @Override public boolean terminateJob(String taskId) { return false; }
        @Override public PoolStats stats() {
            return new PoolStats(name(), state(), 1, 0, 0, completedCount(), failedCount(), List.of());
        }
    }

    @Test
    void runStopTerminate() {
        RecordingPool pool = new RecordingPool();
        pool.start(PoolConfig.DEFAULTS);
        pool.applyAsync(TaskRequest.of("one"));
        pool.stop();
        assertEquals(PoolState.TERMINATE, pool.state());
        assertEquals(List.of("start", "apply", "stop", "terminated"), pool.hooks);
        assertTrue(pool.termination().toCompletableFuture().isDone());
        assertEquals(1, pool.stats().completed());
    }

    @Test
    void stopOrTerminateBeforeStartGoesStraightToTerminate() {
        RecordingPool a = new RecordingPool();
        a.stop();
        assertEquals(PoolState.TERMINATE, a.state());
        RecordingPool b = new RecordingPool();
        b.terminate();
        assertEquals(PoolState.TERMINATE, b.state());
        assertEquals(List.of("terminated"), b.hooks);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.start(PoolConfig.DEFAULTS));
        assertTrue(e.getMessage().contains("TERMINATE"), e.getMessage());
    }

    @Test
    void aFailedStartTerminatesThePool() {
        RecordingPool pool = new RecordingPool();
        pool.failStart = true;
        assertThrows(IllegalArgumentException.class, () -> pool.start(PoolConfig.DEFAULTS));
        assertEquals(PoolState.TERMINATE, pool.state());
        assertTrue(pool.termination().toCompletableFuture().isDone());
    }

    @Test
    void terminateIsIdempotentAndRunsTheHookOnce() {
        RecordingPool pool = new RecordingPool();
        pool.start(PoolConfig.DEFAULTS);
        pool.terminate();
        pool.terminate();
        pool.stop();
        assertEquals(List.of("start", "terminate", "terminated"), pool.hooks);
    }

    @Test
    void undeclaredOperationsNameThePoolAndTheOperation() {
        RecordingPool pool = new RecordingPool();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> pool.grow(1));
        assertTrue(e.getMessage().contains("'recording'") && e.getMessage().contains("grow"), e.getMessage());
    }
}
