package org.celeriac.examples.forkjoin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.testing.PoolContractTest;
import org.junit.jupiter.api.Test;

/** A third-party pool under the same contract tests as the built-in ones, plus what is its own. */
class ForkJoinPoolServiceTest extends PoolContractTest {

    @Override
    protected BasePool newPool(PoolEnvironment env) {
        return new ForkJoinPoolService(env);
    }

    @Test
    void runsAtMostItsParallelismAtOnce() throws Exception {
        pool.start(PoolConfig.ofConcurrency(3));
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            handles.add(pool.applyAsync(TaskRequest.of("gauge", 2)));
        }
        for (TaskHandle h : handles) {
            h.await(WAIT);
        }
        assertEquals(3, tasks.maxConcurrent.get());
        assertEquals(60, pool.stats().completed());
    }
}
