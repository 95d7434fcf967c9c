package org.celeriac.examples.forkjoin;

import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.testing.PoolContractTest;

/** A third-party pool under the same contract tests as the built-in ones: all a pool author writes. */
class ForkJoinPoolServiceTest extends PoolContractTest {

    @Override
    protected BasePool newPool(PoolEnvironment env) {
        return new ForkJoinPoolService(env);
    }
}
