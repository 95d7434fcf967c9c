package org.celeriac.pool.prefork.impl;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.PoolConfig;

/**
 * The prefork pool's own options ({@link PoolConfig#options()}), each validated with a message naming it:
 * <ul>
 *   <li>{@code prefetch} (16): the most tasks a child holds, the running one included. What it has not
 *       started is taken back for a child that falls idle, so no task waits behind a busy child while
 *       another is idle at any prefetch (Celery's -O fair); 1 sends a child its next task only once it has
 *       answered, at the cost of an idle round trip per task (see {@link Scheduler})</li>
 *   <li>{@code proc.alive.timeout} (4 s): a child that is not up by then is killed and replaced</li>
 *   <li>{@code max.frame.bytes} (16 MiB): the largest frame either side accepts</li>
 *   <li>{@code child.heap} (64m): the child's -Xmx</li>
 *   <li>{@code child.jvm.args}: extra JVM arguments for children, space-separated</li>
 *   <li>{@code child.c1.only} (false): stop at C1 for faster warm-up but slower steady state</li>
 *   <li>{@code class.data.cache} (true): record and use an AOT/CDS cache for children</li>
 *   <li>{@code spare.children} (1): warm spare children kept up to replace a lost or recycled one at once</li>
 *   <li>{@code hub.spin.micros} (50): the longest the hub looks for work before it sleeps, adapted to how
 *       soon work came after its last sleeps ({@link HubSpin}); 0 never, at most 1000</li>
 * </ul>
 */
record PreforkOptions(int prefetch, Duration procAliveTimeout, int maxFrameBytes, String childHeap,
                      List<String> childJvmArgs, boolean childC1Only, boolean classDataCache, boolean reportRssEveryTask,
                      int spareChildren, Duration hubSpin) {

    static PreforkOptions from(PoolConfig config) {
        Map<String, String> o = config.options();
        int prefetch = intOption(o, "prefetch", 16, 1);
        double alive = Double.parseDouble(o.getOrDefault("proc.alive.timeout", "4"));
        if (!(alive > 0)) {
            throw new IllegalArgumentException("option proc.alive.timeout must be a positive number of seconds, was " + alive);
        }
        int maxFrame = intOption(o, "max.frame.bytes", 16 << 20, 1024);
        String heap = o.getOrDefault("child.heap", "64m");
        if (!heap.matches("\\d+[kKmMgG]?")) {
            throw new IllegalArgumentException("option child.heap must look like 64m, was '" + heap + "'");
        }
        String args = o.getOrDefault("child.jvm.args", "").trim();
        // At most a millisecond: the hub looks at no timer while it polls, and keeps them to a millisecond.
        int spin = intOption(o, "hub.spin.micros", 50, 0, 1000);
        return new PreforkOptions(prefetch, Duration.ofMillis((long) (alive * 1000)), maxFrame, heap,
                args.isEmpty() ? List.of() : Arrays.asList(args.split("\\s+")),
                Boolean.parseBoolean(o.getOrDefault("child.c1.only", "false")),
                Boolean.parseBoolean(o.getOrDefault("class.data.cache", "true")), config.maxMemoryPerChild() > 0,
                intOption(o, "spare.children", 1, 0), Duration.ofNanos(1000L * spin));
    }

    private static int intOption(Map<String, String> o, String key, int def, int min) {
        return intOption(o, key, def, min, Integer.MAX_VALUE);
    }

    private static int intOption(Map<String, String> o, String key, int def, int min, int max) {
        String v = o.get(key);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be an integer >= " + min
                    + (max == Integer.MAX_VALUE ? "" : " and at most " + max) + ", was '" + v + "'");
        }
    }
}
