package org.celeriac.pool.prefork.child;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.celeriac.pool.api.Task;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * The child's OSGi framework: the task bundles run in a child exactly as in the worker, with Declarative
 * Services (every kind of reference, {@code @Activate}/{@code @Deactivate}, component configuration from
 * Config Admin) and bundle activators, because they run under the same SCR.
 *
 * <p>Slim and fast to start: the framework, SCR, Config Admin, the OSGi APIs they need, the Celeriac API
 * and Jackson are on the child's class path (where the JDK's class-data/AOT cache covers their classes),
 * not bundles. The system bundle exports their packages and capabilities (read from their manifests) and
 * starts SCR's and Config Admin's activators itself ({@code felix.systembundle.activators}). Only the task
 * bundles and what they need from the worker (their package wiring and the bundles that provide the
 * services they use) are installed, by reference, in a private storage directory.
 */
public final class ChildFramework {
    /** Bundles whose jars the worker puts on the child's class path instead of installing them. */
    public static final Set<String> ON_CLASS_PATH = Set.of("org.apache.felix.scr", "org.apache.felix.configadmin",
            "org.osgi.service.component", "org.osgi.util.promise", "org.osgi.util.function", "org.celeriac.api",
            "com.fasterxml.jackson.core.jackson-core", "org.celeriac.prefork");

    private final Framework framework;
    /** Task name → the reference of the service that runs it (the first the registry lists). */
    private volatile Map<String, ServiceReference<?>> references = Map.of();
    /** Task name → its service object, once a task of that name ran here. Only the child's main thread asks. */
    private final Map<String, Task> active = new HashMap<>();
    /** Task name → why its component is not active in this child (e.g. a reference with no service here). */
    private volatile Map<String, String> unavailable = Map.of();

    private ChildFramework(Framework framework) {
        this.framework = framework;
    }

    /**
     * Boots the framework in {@code storage}, applies {@code configurations} (PID or factory PID + name →
     * properties, the worker's), installs and starts {@code bundles}; problems go to {@code warnings}.
     */
    static ChildFramework start(Path storage, List<Path> bundles, List<Map<String, Object>> configurations,
                                List<String> warnings) throws IOException, BundleException {
        List<String> exports = new ArrayList<>();
        List<String> capabilities = new ArrayList<>();
        List<BundleActivator> activators = new ArrayList<>();
        Enumeration<URL> manifests = ChildFramework.class.getClassLoader().getResources("META-INF/MANIFEST.MF");
        while (manifests.hasMoreElements()) {
            Attributes main;
            try (InputStream in = manifests.nextElement().openStream()) {
                main = new Manifest(in).getMainAttributes();
            }
            String bsn = main.getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (bsn == null || !ON_CLASS_PATH.contains(bsn.split(";")[0].trim())) {
                continue;
            }
            addIfSet(exports, main.getValue(Constants.EXPORT_PACKAGE));
            addIfSet(capabilities, main.getValue(Constants.PROVIDE_CAPABILITY));
            String activator = main.getValue(Constants.BUNDLE_ACTIVATOR);
            if (activator != null) {
                try {
                    activators.add((BundleActivator) Class.forName(activator.trim()).getConstructor().newInstance());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot start " + bsn + " in the child: " + e, e);
                }
            }
        }
        Map<String, Object> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, String.join(",", exports));
        config.put(Constants.FRAMEWORK_SYSTEMCAPABILITIES_EXTRA, String.join(",", capabilities));
        config.put("felix.systembundle.activators", activators);
        config.put("felix.log.level", "1"); // errors only: the worker's log says the rest
        @SuppressWarnings({"unchecked", "rawtypes"})
        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the child's class path"))
                .newFramework((Map) config);
        framework.start();
        ChildFramework child = new ChildFramework(framework);
        child.configure(configurations, warnings);
        BundleContext ctx = framework.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        for (Path jar : bundles) {
            try {
                installed.add(ctx.installBundle("reference:" + jar.toUri()));
            } catch (BundleException e) {
                warnings.add("cannot install " + jar.getFileName() + ": " + e.getMessage());
            }
        }
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                try {
                    b.start();
                } catch (BundleException e) {
                    warnings.add("cannot start " + b.getSymbolicName() + ": " + e.getMessage());
                }
            }
        }
        child.refreshTasks();
        child.unavailable = unavailableTasks(ctx, installed);
        return child;
    }

    /**
     * The task components of {@code bundles} that are not active, by task name, with SCR's reason: a
     * reference no service satisfies here (one only the worker's process has, say), a configuration it
     * requires, a failed activation. Said once, when the child starts, rather than as an error at run time.
     */
    private static Map<String, String> unavailableTasks(BundleContext ctx, List<Bundle> bundles) {
        ServiceReference<ServiceComponentRuntime> ref = ctx.getServiceReference(ServiceComponentRuntime.class);
        if (ref == null) {
            return Map.of();
        }
        ServiceComponentRuntime scr = ctx.getService(ref);
        Map<String, String> out = new LinkedHashMap<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundles.toArray(Bundle[]::new))) {
            if (d.serviceInterfaces == null || !List.of(d.serviceInterfaces).contains(Task.class.getName())) {
                continue;
            }
            String reason = null;
            if (!scr.isComponentEnabled(d)) {
                reason = "its component " + d.name + " is disabled";
            } else {
                Collection<ComponentConfigurationDTO> configs = scr.getComponentConfigurationDTOs(d);
                if (configs.isEmpty()) {
                    reason = "its component " + d.name + " requires a configuration (" + String.join(", ", d.configurationPid) + ") the worker does not have";
                }
                for (ComponentConfigurationDTO c : configs) {
                    if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
                        List<String> missing = new ArrayList<>();
                        for (UnsatisfiedReferenceDTO u : c.unsatisfiedReferences) {
                            String type = List.of(d.references).stream().filter(r -> r.name.equals(u.name))
                                    .map(r -> r.interfaceName).findFirst().orElse("?");
                            missing.add(u.name + " (" + type + (u.target == null ? "" : " " + u.target) + ")");
                        }
                        reason = "no service in a child satisfies its reference(s) " + String.join(", ", missing)
                                + " (a service only the worker's own process provides cannot reach a child)";
                    } else if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                        reason = "its component " + d.name + " failed to activate: " + c.failure;
                    }
                }
            }
            if (reason != null) {
                for (String name : Task.namesOf(d.properties.get(Task.NAME_PROPERTY))) {
                    out.put(name, reason);
                }
            }
        }
        ctx.ungetService(ref);
        return Map.copyOf(out);
    }

    /** Task name → why it cannot run in this child. */
    Map<String, String> unavailable() {
        return unavailable;
    }

    private static void addIfSet(List<String> into, String header) {
        if (header != null && !header.isBlank()) {
            into.add(header);
        }
    }

    /** The worker's configurations, created before the bundles start so components see them at once. */
    @SuppressWarnings("unchecked")
    private void configure(List<Map<String, Object>> configurations, List<String> warnings) {
        if (configurations.isEmpty()) {
            return;
        }
        BundleContext ctx = framework.getBundleContext();
        ServiceReference<ConfigurationAdmin> ref = ctx.getServiceReference(ConfigurationAdmin.class);
        if (ref == null) {
            warnings.add("no Config Admin in the child: " + configurations.size() + " configuration(s) not applied");
            return;
        }
        ConfigurationAdmin admin = ctx.getService(ref);
        for (Map<String, Object> c : configurations) {
            try {
                String factoryPid = (String) c.get("factoryPid");
                Configuration target = factoryPid != null
                        ? admin.getFactoryConfiguration(factoryPid, (String) c.get("name"), "?")
                        : admin.getConfiguration((String) c.get("pid"), "?");
                Dictionary<String, Object> props = new Hashtable<>();
                ((Map<String, Object>) c.get("properties")).forEach((k, v) -> props.put(k, v instanceof Collection<?> l ? l.toArray() : v));
                target.update(props);
            } catch (IOException | RuntimeException e) {
                warnings.add("configuration " + c.get("pid") + " not applied in the child: " + e);
            }
        }
    }

    /** Task name → its service's reference, from the service registry now; no component is activated. */
    void refreshTasks() {
        Map<String, ServiceReference<?>> now = new LinkedHashMap<>();
        try {
            ServiceReference<?>[] refs = framework.getBundleContext().getAllServiceReferences(Task.class.getName(), null);
            if (refs != null) {
                for (ServiceReference<?> ref : refs) {
                    Task.namesOf(ref.getProperty(Task.NAME_PROPERTY)).forEach(name -> now.putIfAbsent(name, ref));
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
        references = Map.copyOf(now);
    }

    /**
     * The task of that name, its component activated on first use, as Declarative Services intends for a
     * delayed component: a child activates the tasks it runs, not every task of its bundles (activating the
     * example bundle's fourteen took ~8 % of a child's start, 16 ms of its spawn). A component that came up
     * late is found after a new look at the registry; one whose activation fails gives {@code null}, its
     * reason then in {@link #unavailable()}.
     */
    Task task(String name) {
        Task t = active.get(name);
        if (t != null) {
            return t;
        }
        ServiceReference<?> ref = references.get(name);
        if (ref == null) {
            refreshTasks();
            ref = references.get(name);
        }
        if (ref == null) {
            return null;
        }
        BundleContext ctx = framework.getBundleContext();
        t = (Task) ctx.getService(ref);
        if (t == null) { // its service may have been registered anew since (a component's configuration changed)
            refreshTasks();
            ServiceReference<?> now = references.get(name);
            t = now == null || now.equals(ref) ? null : (Task) ctx.getService(now);
        }
        if (t == null) {
            unavailable = unavailableTasks(ctx, List.of(ctx.getBundles()));
            return null;
        }
        active.put(name, t);
        return t;
    }

    Set<String> taskNames() {
        return references.keySet();
    }

    /** Deactivates the components ({@code @Deactivate} runs) and deletes the storage; bounded. */
    void stop(Path storage) {
        try {
            framework.stop();
            framework.waitForStop(2_000);
        } catch (BundleException | InterruptedException e) {
            // leaving anyway
        }
        try (var files = Files.walk(storage)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // the worker deletes the hub's directory
        }
    }
}
