package org.celeriac.pool.prefork.impl;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.celeriac.pool.api.Task;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.BundleRevision;

/**
 * Derives a child's class path from the running framework, each time a child starts: the bundles that
 * register {@link Task} services now, plus the prefork bundle, plus every bundle they import packages
 * from (following the package wiring; the system bundle excluded). A task bundle installed or updated in
 * the worker therefore reaches every child started after it, and a restart rolls it out to all.
 */
final class BundleClasspath implements Supplier<ChildClasspath> {
    private static final System.Logger LOG = System.getLogger(BundleClasspath.class.getName());
    private final BundleContext context;

    BundleClasspath(BundleContext context) {
        this.context = context;
    }

    @Override
    public ChildClasspath get() {
        Set<Bundle> taskBundles = new LinkedHashSet<>();
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(Task.class.getName(), null);
            if (refs != null) {
                for (ServiceReference<?> ref : refs) {
                    if (ref.getBundle() != null) {
                        taskBundles.add(ref.getBundle());
                    }
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
        Set<Bundle> all = new LinkedHashSet<>();
        Deque<Bundle> todo = new ArrayDeque<>();
        todo.add(context.getBundle());
        todo.addAll(taskBundles);
        while (!todo.isEmpty()) {
            Bundle b = todo.poll();
            if (b.getBundleId() == 0 || !all.add(b)) {
                continue;
            }
            BundleWiring wiring = b.adapt(BundleWiring.class);
            if (wiring != null) {
                for (BundleWire wire : wiring.getRequiredWires(BundleRevision.PACKAGE_NAMESPACE)) {
                    todo.add(wire.getProvider().getBundle());
                }
            }
        }
        Set<Path> classpath = new LinkedHashSet<>();
        for (Bundle b : all) {
            Path jar = jarOf(b);
            if (jar != null) {
                classpath.add(jar);
            }
        }
        // Packages the system bundle exports on behalf of an embedding application (its class path) have no
        // bundle jar: take the classes the child itself needs from wherever they were loaded.
        for (Class<?> needed : new Class<?>[] {Task.class, com.fasterxml.jackson.core.JsonParser.class}) {
            Path source = codeSource(needed);
            if (source != null) {
                classpath.add(source);
            }
        }
        List<Path> taskJars = taskBundles.stream().map(BundleClasspath::jarOf).filter(p -> p != null).distinct().toList();
        return new ChildClasspath(List.copyOf(classpath), taskJars);
    }

    private static Path codeSource(Class<?> type) {
        try {
            java.security.CodeSource cs = type.getProtectionDomain().getCodeSource();
            if (cs != null && cs.getLocation() != null && "file".equals(cs.getLocation().getProtocol())) {
                Path p = Path.of(cs.getLocation().toURI());
                return Files.exists(p) ? p : null;
            }
        } catch (java.net.URISyntaxException | IllegalArgumentException | SecurityException e) {
            // not a file: the bundle wiring above has it
        }
        return null;
    }

    /** The jar file a bundle was installed from, or {@code null} (logged) when its location is not a file. */
    static Path jarOf(Bundle b) {
        String location = b.getLocation();
        String uri = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
        try {
            if (uri.startsWith("file:")) {
                Path p = Path.of(URI.create(uri));
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        } catch (IllegalArgumentException e) {
            // fall through to the warning
        }
        if (b.getBundleId() != 0) {
            LOG.log(Level.WARNING, "bundle " + b.getSymbolicName() + " was not installed from a jar file (" + location
                    + "); prefork children cannot load it");
        }
        return null;
    }
}
