/**
 * Helpers for pool authors: {@link org.celeriac.pool.spi.AbstractPool} (the lifecycle state machine,
 * validation, counters and events every pool needs), {@link org.celeriac.pool.spi.InProcessPool} (jobs,
 * time limits and termination for pools whose workers are threads) and
 * {@link org.celeriac.pool.spi.PoolEnvironment} (what a pool needs from its container).
 */
@Export
@Version("1.6.0")
package org.celeriac.pool.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
