/**
 * The worker's service API: submit tasks to whichever pool is active, and control the pools. The shell
 * commands and broker bundles are its clients.
 */
@Export
@Version("1.4.0")
package org.celeriac.worker.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
