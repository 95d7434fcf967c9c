package org.celeriac.worker.impl;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.celeriac.pool.api.PoolConfig;

/**
 * The worker's configuration as read once from Config Admin ({@link WorkerConfig}) and the launcher's
 * framework properties: what a pool starts with and how long things may take. Immutable; a configuration
 * change makes a new one.
 */
record WorkerSettings(WorkerConfig config, Map<String, String> poolOptions, boolean launcherTaskEvents) {
    private static final System.Logger LOG = System.getLogger(WorkerSettings.class.getName());
    /** Framework properties set by the launcher from --pool / --concurrency (or the environment). */
    static final String PROP_POOL = "celeriac.worker.pool";
    static final String PROP_CONCURRENCY = "celeriac.worker.concurrency";
    /** The launcher's {@code -E}: task events on, whatever the configuration says. */
    static final String PROP_TASK_EVENTS = "celeriac.worker.task.events";
    /** The launcher's {@code --autoscale MAX,MIN}. */
    static final String PROP_AUTOSCALE = "celeriac.worker.autoscale";
    static final String OPTION_PREFIX = "option.";
    static final int DEFAULT_RETENTION = 1000;

    /** {@code properties}: the component's, for the {@code option.<name>} entries ({@link PoolConfig#options()}). */
    static WorkerSettings of(WorkerConfig config, Map<String, Object> properties, boolean launcherTaskEvents) {
        Map<String, String> options = new TreeMap<>();
        properties.forEach((k, v) -> {
            if (k.startsWith(OPTION_PREFIX) && k.length() > OPTION_PREFIX.length()) {
                options.put(k.substring(OPTION_PREFIX.length()), String.valueOf(v));
            }
        });
        if (config.result_retention() < 0) {
            LOG.log(Level.ERROR, "configuration " + WorkerConfig.PID + ": result.retention must be >= 0, was "
                    + config.result_retention() + "; keeping the last " + DEFAULT_RETENTION + " results");
        }
        return new WorkerSettings(config, Map.copyOf(options), launcherTaskEvents);
    }

    /** The launcher's {@code --concurrency}. */
    static int parseConcurrency(String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("concurrency must be an integer >= 0 (0 = the pool's default), was '" + value + "'");
        }
    }

    PoolConfig poolConfig(int concurrency) {
        return new PoolConfig(concurrency, positiveSeconds(config.soft_time_limit()), positiveSeconds(config.time_limit()),
                config.max_tasks_per_child(), config.max_memory_per_child() * 1024,
                config.task_events() || launcherTaskEvents, poolOptions);
    }

    /** Whether a pool must start anew for {@code next}: the same selection with other pool options. */
    boolean sameSelection(WorkerSettings next) {
        return config.pool().equals(next.config.pool()) && config.concurrency() == next.config.concurrency();
    }

    /** The autoscaler's settings: the launcher's {@code --autoscale} if given, else the configuration's. */
    org.celeriac.worker.api.Autoscale autoscale(String launcherValue) {
        String value = launcherValue != null && !launcherValue.isBlank() ? launcherValue : config.autoscale();
        return org.celeriac.worker.api.Autoscale.parse(value, seconds(Math.max(0, config.autoscale_keepalive())));
    }

    int retention() {
        return config.result_retention() < 0 ? DEFAULT_RETENTION : config.result_retention();
    }

    Duration poolWait() {
        return seconds(config.pool_wait_timeout());
    }

    Duration shutdownGrace() {
        return seconds(config.shutdown_grace());
    }

    private static Duration positiveSeconds(double s) {
        return s > 0 ? seconds(s) : null;
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }
}
