package org.celeriac.pool.solo.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.testing.PoolContractTest;
import org.junit.jupiter.api.Test;

class SoloPoolTest extends PoolContractTest {

    @Override
    protected BasePool newPool(PoolEnvironment env) {
        return new SoloPool(env);
    }

    @Override
    protected int concurrency() {
        return 1;
    }

    /** A solo task's worker is the thread that submitted it (see below); stats show the pool's one slot, "solo". */
    @Override
    protected boolean tasksReportTheirStatsWorker() {
        return false;
    }

    @Test
    void runsInlineOnTheCallerThread() throws Exception {
        start();
        TaskHandle h = pool.applyAsync(TaskRequest.of("worker"));
        assertTrue(h.result().toCompletableFuture().isDone(), "solo completes the handle before applyAsync returns");
        assertEquals(Thread.currentThread().getName(), h.await(WAIT));
    }

    @Test
    void refusesConcurrencyAboveOneAndResizing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.start(PoolConfig.ofConcurrency(4)));
        assertTrue(e.getMessage().contains("concurrency"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> pool.grow(1));
    }

    /**
     * Solo blocks its caller, so a stubborn task holds the caller until it returns; the hard limit still
     * fails the handle on time, which the stats show while the caller is still blocked.
     */
    @Override
    @Test
    protected void hardTimeLimitFailsAStubbornTaskAndThePoolGoesOn() throws Exception {
        start();
        TaskHandle h = submitAsync(TaskRequest.builder("stubborn").args(List.of("solo-hard"))
                .timeLimit(Duration.ofMillis(100)).build());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (pool.stats().failed() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, pool.stats().failed(), "the hard limit failed the task while it still ran");
        tasks.open("solo-hard");
        assertInstanceOf(TimeLimitExceededException.class, failure(h));
        assertEquals(3L, pool.applyAsync(TaskRequest.of("add", 1, 2)).await(WAIT));
    }
}
