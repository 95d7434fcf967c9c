package org.celeriac.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * A real Apache Felix framework for a test: found through {@link FrameworkFactory} and {@link ServiceLoader},
 * with its own storage in a temp dir, and the bundle jars Maven copied to {@code target/bundles} installed.
 *
 * <p>Two modes. <b>Isolated</b>: the bundles see nothing of the test's class path, as in production; tests
 * look at bundles and services by name only. <b>Host</b>: the system bundle also exports the Celeriac API
 * and Event Admin packages from the test's class path, so the test can call pools with typed references
 * (the usual way an embedding application talks to its bundles).
 */
final class FelixContainer implements AutoCloseable {
    static final String HOST_PACKAGES = "org.celeriac.pool.api;version=1.4.0,org.celeriac.pool.spi;version=1.4.0,"
            + "org.celeriac.worker.api;version=1.4.0,org.osgi.service.event;version=1.4.1,org.osgi.service.cm;version=1.6.1";

    private final Framework framework;
    private final Path storage;
    private final List<Bundle> installed = new ArrayList<>();

    private FelixContainer(boolean host, Map<String, String> extra) throws Exception {
        storage = Files.createTempDirectory("celeriac-it-felix-");
        Map<String, String> config = new HashMap<>(extra);
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        if (host) {
            config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, HOST_PACKAGES);
        }
        // FileInstall polls every 2 s by default and waits out a poll when the framework stops.
        config.putIfAbsent("felix.fileinstall.dir", storage.resolve("deploy").toString());
        config.putIfAbsent("felix.fileinstall.poll", "100");
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi FrameworkFactory on the class path"));
        framework = factory.newFramework(config);
        framework.start();
    }

    /** Starts a framework and installs and starts every bundle jar in {@code target/bundles}. */
    static FelixContainer start(boolean host) throws Exception {
        return start(host, Map.of());
    }

    /** As {@link #start(boolean)}, with extra framework properties. */
    static FelixContainer start(boolean host, Map<String, String> properties) throws Exception {
        FelixContainer c = new FelixContainer(host, properties);
        try {
            c.installAll(bundleDir());
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    static Path bundleDir() {
        String dir = System.getProperty("celeriac.bundles");
        if (dir == null) {
            throw new IllegalStateException("system property celeriac.bundles is not set; run the tests through Maven");
        }
        return Paths.get(dir);
    }

    private void installAll(Path dir) throws IOException, BundleException {
        BundleContext ctx = context();
        try (Stream<Path> jars = Files.list(dir)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                installed.add(ctx.installBundle(jar.toUri().toString()));
            }
        }
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start();
            }
        }
    }

    /** A bundle jar that is built but not installed at start (see the pom's extra-bundles). */
    static Path extraBundle(String fileName) {
        return Paths.get(System.getProperty("celeriac.extra.bundles")).resolve(fileName);
    }

    Bundle install(Path jar) throws BundleException {
        Bundle b = context().installBundle(jar.toUri().toString());
        b.start();
        return b;
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    Bundle bundle(String symbolicName) {
        for (Bundle b : context().getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName + " installed");
    }

    /** Waits up to {@code timeout} for a service of {@code className} matching {@code filter} (null = any). */
    ServiceReference<?> awaitService(String className, String filter, Duration timeout)
            throws InvalidSyntaxException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            ServiceReference<?>[] refs = context().getAllServiceReferences(className, filter);
            if (refs != null && refs.length > 0) {
                return refs[0];
            }
            Thread.sleep(10); // polling with a deadline: SCR activates components on its own thread
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no " + className + " service matching " + filter + " within " + timeout);
    }

    /** References to every service of {@code className} matching {@code filter}. */
    List<ServiceReference<?>> services(String className, String filter) throws InvalidSyntaxException {
        ServiceReference<?>[] refs = context().getAllServiceReferences(className, filter);
        return refs == null ? List.of() : List.of(refs);
    }

    /** Polls {@code condition} every 10 ms until it holds or {@code timeout} passes. */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            framework.stop();
            framework.waitForStop(Duration.ofSeconds(30).toMillis());
        } finally {
            try (Stream<Path> files = Files.walk(storage)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
