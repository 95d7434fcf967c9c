package org.celeriac.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * The embedded framework: configured from the launcher's options, provisioned from {@code bundle/}, with
 * FileInstall watching the deploy folder. Start, stop and wait: nothing else.
 */
final class Container {
    /**
     * Must outlast the broker's and then the worker's shutdown grace (30 s each by default) so running tasks
     * can finish: the broker waits for its own tasks, the worker for whatever else is left.
     */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);

    private final Path home;
    private final Path deploy;
    private final boolean shell;
    private final WorkerOptions worker;
    private final BrokerOptions broker;
    private final Switches switches;
    private final HttpEndpoint http;
    private Framework framework;
    private Path storage;

    /** The broker options, handed to the broker bundle as framework properties (it makes them its configuration). */
    record BrokerOptions(String url, String queues, String hostname) {
    }

    /** The worker options: {@code --pool}, {@code --concurrency}, {@code --autoscale MAX,MIN} (each may be null). */
    record WorkerOptions(String pool, Integer concurrency, String autoscale) {
    }

    /** The on/off options: Celery's {@code -E} and {@code --track-started}, and {@code --quiet} (no start-up banner). */
    record Switches(boolean taskEvents, boolean trackStarted, boolean quiet) {
    }

    /** {@code http}: where the HTTP endpoint listens, or null for none (its bundles are then not even installed). */
    Container(Path home, Path deploy, boolean shell, WorkerOptions worker, BrokerOptions broker, Switches switches,
              HttpEndpoint http) {
        this.http = http;
        this.home = home;
        this.deploy = deploy;
        this.shell = shell;
        this.worker = worker;
        this.broker = broker;
        this.switches = switches;
    }

    void start() throws BundleException, IOException {
        Map<String, String> config = new HashMap<>();
        storage = FrameworkStorage.create();
        config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("felix.fileinstall.dir", deploy.toAbsolutePath().toString());
        config.put("felix.fileinstall.poll", "1000");
        config.put("felix.fileinstall.noInitialDelay", "true");
        config.put("felix.fileinstall.log.level", "2");
        // No write-back of configurations into deploy/: the folder is the user's, and FileInstall's write-back
        // raced its own first read at start-up (a .cfg read back empty, the broker started on defaults).
        config.put("felix.fileinstall.enableConfigSave", "false");
        config.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "5");
        // The console: Gogo's JLine shell reads etc/gosh_profile under gosh.home (the distribution), which
        // sources Gogo's stock profile and adds Celeriac's prompt, history file and completions.
        config.put("gosh.home", home.toAbsolutePath().toString());
        config.put("gosh.args", "--login");
        config.put("celeriac.shell.history", Terminals.historyFile().toString());
        config.put("celeriac.version", Main.VERSION);
        putIfSet(config, "celeriac.worker.pool", worker.pool());
        putIfSet(config, "celeriac.worker.concurrency", worker.concurrency() == null ? null : worker.concurrency().toString());
        putIfSet(config, "celeriac.worker.autoscale", worker.autoscale());
        putIfSet(config, "celeriac.broker.url", broker.url());
        putIfSet(config, "celeriac.broker.queues", broker.queues());
        putIfSet(config, "celeriac.broker.hostname", broker.hostname());
        if (switches.taskEvents()) { // Celery's -E: the pools' events on Event Admin, and the broker's to Celery
            config.put("celeriac.worker.task.events", "true");
            config.put("celeriac.broker.task.events", "true");
        }
        if (switches.quiet()) {
            config.put("celeriac.quiet", "true"); // celeriac:banner --startup prints nothing
        }
        if (switches.trackStarted()) {
            config.put("celeriac.broker.track.started", "true");
        }
        if (http != null) { // Felix's Jetty reads these; HTTPS stays off unless a deploy/ configuration turns it on
            config.put("org.apache.felix.http.enable", "true");
            config.put("org.apache.felix.https.enable", "false");
            config.put("org.osgi.service.http.port", Integer.toString(http.port()));
            config.put("org.apache.felix.http.host", http.host());
            config.put("org.apache.felix.http.jetty.sendServerHeader", "false");
            config.put("celeriac.http.url", http.url());
            if (http.token() != null) {
                config.put("celeriac.http.token", http.token()); // read by the HTTP bundle, never logged
            }
        }
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path (lib/)"));
        // The Gogo console creates its JLine terminal on the framework's start-level thread, which takes this
        // thread's context class loader. JLine looks its terminal providers up through the context class
        // loader, falling back to its own when there is none; the launcher's (the default) does not have them,
        // and JLine would settle for a "dumb" terminal without line editing. None, then, while the framework
        // is made and started.
        Thread thread = Thread.currentThread();
        ClassLoader launcherLoader = thread.getContextClassLoader();
        thread.setContextClassLoader(null);
        try {
            framework = factory.newFramework(config);
            framework.init();
            BundleContext ctx = framework.getBundleContext();
            List<Path> bundles = jars(home.resolve("bundle"));
            if (http != null) {
                bundles.addAll(jars(home.resolve("bundle").resolve("http")));
            }
            for (Path jar : bundles) {
                if (!shell && jar.getFileName().toString().contains("gogo.jline")) {
                    continue; // headless: the commands stay available to -c and to bundles, the console does not
                }
                Bundle b = ctx.installBundle(jar.toUri().toString());
                b.adapt(BundleStartLevel.class).setStartLevel(startLevel(b));
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    b.start(); // marked for start: the framework starts it when its start level is reached
                }
            }
            framework.start(); // start level by start level, so each level finds the one below it running
        } finally {
            thread.setContextClassLoader(launcherLoader);
        }
    }

    private static List<Path> jars(Path dir) throws IOException {
        try (Stream<Path> jars = Files.list(dir)) {
            return new java.util.ArrayList<>(jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList());
        }
    }

    private static void putIfSet(Map<String, String> config, String key, String value) {
        if (value != null && !value.isBlank()) {
            config.put(key, value.trim());
        }
    }

    /**
     * Start levels order start-up and shutdown: the framework starts the lowest level first and stops the
     * highest first. The console (5) comes up last, once the worker runs and its log handler for the console
     * is there, and goes first; brokers (4) stop taking messages and hand back the ones not started, then the
     * worker (3) finishes its running tasks while the pools (2) and SCR, Config Admin and the rest (1) still run.
     */
    private static int startLevel(Bundle b) {
        String bsn = String.valueOf(b.getSymbolicName());
        return bsn.equals("org.apache.felix.gogo.jline") ? 5 : bsn.startsWith("org.celeriac.broker") ? 4
                : bsn.equals("org.celeriac.worker") ? 3 : bsn.startsWith("org.celeriac.") ? 2 : 1;
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    /** Stops the framework: bundles stop in reverse order; the worker finishes its running tasks first. */
    void stop() throws BundleException, InterruptedException {
        framework.stop();
        framework.waitForStop(STOP_TIMEOUT.toMillis());
        deleteStorage(); // the signal path halts right after this: nothing else would
    }

    void awaitStop() throws InterruptedException {
        framework.waitForStop(0);
        deleteStorage();
    }

    /**
     * Once, whichever of the signal path and the main thread (which exits right after) comes first; the other
     * waits for it, so neither exits while the other is halfway through.
     */
    private synchronized void deleteStorage() {
        if (storage != null) {
            FrameworkStorage.delete(storage);
            storage = null;
        }
    }
}
