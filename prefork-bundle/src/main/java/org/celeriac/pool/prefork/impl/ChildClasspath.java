package org.celeriac.pool.prefork.impl;

import java.nio.file.Path;
import java.util.List;

/**
 * What a child JVM runs: its class path (the prefork bundle for the child's main class and protocol, the
 * API, Jackson, and the task bundles with what they import) and which of those jars hold tasks.
 */
record ChildClasspath(List<Path> classpath, List<Path> taskJars) {
    ChildClasspath {
        classpath = List.copyOf(classpath);
        taskJars = List.copyOf(taskJars);
    }
}
