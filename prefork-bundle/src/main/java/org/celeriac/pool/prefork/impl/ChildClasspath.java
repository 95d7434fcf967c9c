package org.celeriac.pool.prefork.impl;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a child JVM runs: its class path (the framework, SCR, Config Admin, the APIs, Jackson and this
 * bundle), the bundles it installs (the task bundles and what they need), and the worker's configurations
 * for them (Config Admin's, as JSON values).
 */
record ChildClasspath(List<Path> classpath, List<Path> bundles, List<Map<String, Object>> configurations) {
    ChildClasspath {
        classpath = List.copyOf(classpath);
        bundles = List.copyOf(bundles);
        configurations = List.copyOf(configurations);
    }
}
