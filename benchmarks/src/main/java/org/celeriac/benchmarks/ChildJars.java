package org.celeriac.benchmarks;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.celeriac.pool.prefork.child.ChildFramework;

/**
 * What a standalone prefork pool in a benchmark gives its children: the class path a worker gives them (the
 * framework and the jars of {@link ChildFramework#ON_CLASS_PATH}, as {@code BundleClasspath} picks them in a
 * worker), not the benchmark's whole class path, and the example task bundles to install. A child scans its
 * class path's jars when it starts (the JDK's service lookups, the framework's manifests): with the ~30 jars
 * of the benchmarks' class path its start measured 7–18 ms slower (paired medians) than a worker's child.
 */
record ChildJars(List<Path> classpath, List<Path> taskBundles) {
    static ChildJars ofClassPath() {
        List<Path> classpath = new ArrayList<>();
        List<Path> tasks = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.endsWith(".jar")) { // a class-data cache needs jars only; a worker's bundles are jars
                continue;
            }
            String bsn = symbolicName(Path.of(e));
            if (bsn != null && (bsn.equals("org.apache.felix.framework") || ChildFramework.ON_CLASS_PATH.contains(bsn))) {
                classpath.add(Path.of(e));
            }
            if (e.contains("example-tasks") || e.contains("tasks-bundle")) {
                tasks.add(Path.of(e));
            }
        }
        return new ChildJars(List.copyOf(classpath), List.copyOf(tasks));
    }

    private static String symbolicName(Path jar) {
        try (JarFile j = new JarFile(jar.toFile())) {
            Manifest m = j.getManifest();
            String bsn = m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName");
            return bsn == null ? null : bsn.split(";")[0].trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
