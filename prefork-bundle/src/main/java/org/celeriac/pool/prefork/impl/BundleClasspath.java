package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.prefork.child.ChildFramework;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Derives what a child runs from the running framework, each time a child starts, so a task bundle
 * installed or updated in the worker reaches every child started after it (a restart rolls it out to all):
 * <ul>
 *   <li>the class path: the framework, SCR, Config Admin, the OSGi APIs they need, the Celeriac API, Jackson
 *       and this bundle ({@link ChildFramework#ON_CLASS_PATH}), where the class-data cache covers them;</li>
 *   <li>the bundles to install: those that register {@link Task} services now, and what they need, found
 *       the way the worker's framework wired them: the bundles they import packages from and the bundles
 *       whose services they use, transitively. Celeriac's own bundles (the worker, pools, brokers) and the
 *       container's (shell, deploy folder) stay out: a child runs tasks, not a worker;</li>
 *   <li>the worker's configurations (Config Admin), so components are configured in a child as here.</li>
 * </ul>
 */
final class BundleClasspath implements Supplier<ChildClasspath> {
    private static final System.Logger LOG = System.getLogger(BundleClasspath.class.getName());
    /** Bundles of the container, never installed in a child. */
    private static final List<String> CONTAINER_PREFIXES = List.of("org.celeriac.", "org.apache.felix.gogo.",
            "org.apache.felix.fileinstall", "org.jline");
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
        Set<Bundle> install = new LinkedHashSet<>();
        Deque<Bundle> todo = new ArrayDeque<>(taskBundles);
        while (!todo.isEmpty()) {
            Bundle b = todo.poll();
            boolean task = taskBundles.contains(b);
            if (b.getBundleId() == 0 || onClassPath(b) || (!task && ofTheContainer(b)) || !install.add(b)) {
                continue;
            }
            BundleWiring wiring = b.adapt(BundleWiring.class);
            if (wiring != null) {
                for (BundleWire wire : wiring.getRequiredWires(BundleRevision.PACKAGE_NAMESPACE)) {
                    todo.add(wire.getProvider().getBundle());
                }
            }
            ServiceReference<?>[] used = b.getServicesInUse();
            if (used != null) {
                for (ServiceReference<?> ref : used) {
                    if (ref.getBundle() != null) {
                        todo.add(ref.getBundle());
                    }
                }
            }
        }
        Set<Path> classpath = new LinkedHashSet<>();
        classpath.add(codeSource(org.osgi.framework.launch.Framework.class)); // the framework itself
        for (Bundle b : context.getBundles()) {
            if (onClassPath(b)) {
                classpath.add(jarOf(b));
            }
        }
        // Packages the system bundle exports on behalf of an embedding application (its class path) have no
        // bundle jar: take the classes the child itself needs from wherever they were loaded.
        for (Class<?> needed : new Class<?>[] {Task.class, com.fasterxml.jackson.core.JsonParser.class}) {
            classpath.add(codeSource(needed));
        }
        classpath.remove(null);
        List<Path> bundles = install.stream().map(BundleClasspath::jarOf).filter(p -> p != null).distinct().toList();
        return new ChildClasspath(List.copyOf(classpath), bundles, configurations());
    }

    private static boolean onClassPath(Bundle b) {
        return b.getSymbolicName() != null && ChildFramework.ON_CLASS_PATH.contains(b.getSymbolicName());
    }

    private static boolean ofTheContainer(Bundle b) {
        String bsn = String.valueOf(b.getSymbolicName());
        return CONTAINER_PREFIXES.stream().anyMatch(bsn::startsWith);
    }

    /** The worker's configurations that may concern task components, as plain JSON values. */
    private List<Map<String, Object>> configurations() {
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin admin = ref == null ? null : context.getService(ref);
        if (admin == null) {
            return List.of();
        }
        try {
            Configuration[] all = admin.listConfigurations(null);
            List<Map<String, Object>> out = new ArrayList<>();
            for (Configuration c : all == null ? new Configuration[0] : all) {
                String pid = c.getPid();
                if (!forTasks(pid) || c.getProperties() == null) {
                    continue;
                }
                Map<String, Object> props = new LinkedHashMap<>();
                for (Enumeration<String> keys = c.getProperties().keys(); keys.hasMoreElements(); ) {
                    String key = keys.nextElement();
                    if (!key.startsWith("service.") && !key.startsWith("felix.fileinstall.")) {
                        props.put(key, jsonValue(c.getProperties().get(key)));
                    }
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("pid", pid);
                if (c.getFactoryPid() != null) {
                    entry.put("factoryPid", c.getFactoryPid());
                    entry.put("name", pid.contains("~") ? pid.substring(pid.indexOf('~') + 1) : pid);
                }
                entry.put("properties", props);
                out.add(entry);
            }
            return out;
        } catch (IOException | InvalidSyntaxException e) {
            LOG.log(Level.WARNING, "prefork children get no configurations: " + e.getMessage());
            return List.of();
        } finally {
            context.ungetService(ref);
        }
    }

    /** Whether a configuration may concern task components: not the worker's, a broker's or the container's. */
    private static boolean forTasks(String pid) {
        return !(pid.equals("org.celeriac.worker") || pid.startsWith("org.celeriac.broker") || pid.startsWith("org.apache.felix."));
    }

    /** Config Admin's value types as JSON: strings, numbers, booleans, and arrays or collections of them. */
    private static Object jsonValue(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof java.util.Collection<?> c) {
            return c.stream().map(BundleClasspath::jsonValue).toList();
        }
        if (v.getClass().isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < java.lang.reflect.Array.getLength(v); i++) {
                out.add(jsonValue(java.lang.reflect.Array.get(v, i)));
            }
            return out;
        }
        return v.toString();
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
