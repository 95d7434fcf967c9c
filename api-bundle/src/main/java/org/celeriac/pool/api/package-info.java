/**
 * The execution-pool contract of Celeriac: Celery's {@code BasePool} for the JVM.
 *
 * <p>A pool bundle registers a {@link org.celeriac.pool.api.BasePool} service (scope prototype) with the
 * properties of {@link org.celeriac.pool.api.PoolProperties}; the worker selects one by {@code pool.name},
 * starts it with a {@link org.celeriac.pool.api.PoolConfig} and hands it {@link org.celeriac.pool.api.TaskRequest}s.
 * Task bundles register {@link org.celeriac.pool.api.Task} services on the whiteboard with {@code task.name}.
 *
 * <p>This package holds interfaces, records, enums, exceptions and constants only; helpers for pool authors
 * live in {@code org.celeriac.pool.spi}.
 */
@Export
@Version("1.4.0")
package org.celeriac.pool.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
