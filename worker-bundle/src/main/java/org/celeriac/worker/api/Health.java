package org.celeriac.worker.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The worker's health, for probes ({@code /health/live}, {@code /health/ready}) and the shell
 * ({@code celeriac:health}): Kubernetes' liveness and readiness, which Celery's worker lacks. Cheap: reads
 * state the worker keeps anyway, never sends a task or waits for a pool.
 *
 * @since 1.4
 */
@ProviderType
public interface Health {
    /** Alive: the framework runs and the worker component is active (not stopping). */
    Report live();

    /**
     * Ready to take work: alive, a pool is in RUN, and every broker is connected (and so consuming). A
     * worker with no broker is ready once its pool runs.
     */
    Report ready();

    /**
     * One probe's answer.
     *
     * @param ok       the probe passes
     * @param problems what is not right, one sentence each (empty when {@code ok})
     * @param pool     the active pool and its state, e.g. {@code prefork RUN}, or {@code none}
     * @param brokers  each broker's URL (password masked) and whether it is connected
     */
    record Report(boolean ok, List<String> problems, String pool, List<String> brokers) {
        public Report {
            problems = List.copyOf(problems);
            brokers = List.copyOf(brokers);
        }
    }
}
