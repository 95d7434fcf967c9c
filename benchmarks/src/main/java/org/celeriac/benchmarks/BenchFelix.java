package org.celeriac.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The distribution's bundles in an embedded Felix, its worker on the threads pool at concurrency 2, for the
 * benchmarks that measure Celeriac in-process. Its storage is a temp folder that {@link #close()} removes with
 * the framework stopped: a run leaves nothing behind.
 */
record BenchFelix(Framework framework, Path storage) implements AutoCloseable {
    /** The API packages the benchmark shares with the bundles (keep in step with the bundles' versions). */
    private static final String HOST_PACKAGES = "org.celeriac.pool.api;version=1.4.0,org.celeriac.pool.spi;version=1.4.0,"
            + "org.celeriac.worker.api;version=1.4.0";

    /** Starts Felix with {@code properties} added to the framework's (e.g. the launcher's broker settings). */
    static BenchFelix start(Map<String, String> properties) throws IOException, BundleException {
        Path storage = Files.createTempDirectory("celeriac-bench-felix-");
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, HOST_PACKAGES);
        config.put("felix.fileinstall.dir", storage.resolve("deploy").toString());
        config.put("celeriac.worker.pool", "threads");
        config.put("celeriac.worker.concurrency", "2");
        config.putAll(properties);
        Framework felix = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(config);
        felix.start();
        List<Bundle> installed = new ArrayList<>();
        try (Stream<Path> jars = Files.list(Path.of("launcher/target/celeriac/bundle"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar") && !p.toString().contains("gogo.jline")).sorted().toList()) {
                installed.add(felix.getBundleContext().installBundle(jar.toUri().toString()));
            }
        }
        for (Bundle b : installed) {
            b.start();
        }
        return new BenchFelix(felix, storage);
    }

    /** The worker, once it has an active pool (at most 30 s). */
    Worker worker() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            ServiceReference<Worker> ref = framework.getBundleContext().getServiceReference(Worker.class);
            if (ref != null) {
                Worker w = framework.getBundleContext().getService(ref);
                if (w.activePool().isPresent()) {
                    return w;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no worker with an active pool within 30 s");
    }

    @Override
    public void close() throws BundleException, InterruptedException, IOException {
        framework.stop();
        framework.waitForStop(60_000);
        try (var files = Files.walk(storage)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
