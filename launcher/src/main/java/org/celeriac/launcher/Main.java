package org.celeriac.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code celeriac}: starts an embedded Apache Felix with the shipped bundles, watches the deploy folder for
 * bundles and configurations, and opens the Gogo shell (or runs headless). SIGTERM or Ctrl-C stop it the
 * one documented way: accept nothing new, let running tasks finish within the grace period, exit 0.
 */
@Command(name = "celeriac", mixinStandardHelpOptions = true, version = "Celeriac " + Main.VERSION,
        description = "Run a Celeriac worker: Celery's execution pools in an embedded OSGi (Apache Felix) container.",
        footer = {"", "Environment: CELERIAC_POOL, CELERIAC_CONCURRENCY (defaults for --pool, --concurrency),",
                "CELERIAC_CUSTOM_WORKER_POOL=<bundle-symbolic-name>:<class> (registers pool.name=custom),",
                "CELERIAC_BROKER_URL (default for --broker), CELERIAC_HTTP (default for --http),",
                "CELERIAC_HTTP_TOKEN (the access token of the HTTP endpoint; required beyond loopback),",
                "CELERIAC_HISTORY (the shell's history file; default ~/.celeriac/history)."})
public final class Main implements Callable<Integer> {
    static final String VERSION = "0.1.0";

    @Option(names = "--pool", defaultValue = "${env:CELERIAC_POOL}",
            description = "pool.name to run tasks on: prefork, threads, green (gevent, eventlet), solo, or any installed pool. "
                    + "Default: the worker's configuration (prefork, or the highest-ranking pool installed).")
    String pool;

    @Option(names = "--concurrency", defaultValue = "${env:CELERIAC_CONCURRENCY}",
            description = "workers of the pool; 0 = the pool's default (one per CPU; green: 1000).")
    Integer concurrency;

    @Option(names = "--autoscale", paramLabel = "MAX,MIN", description = "grow the pool up to MAX workers while tasks "
            + "wait, shrink it to MIN when they do not (Celery's --autoscale; pools that can resize: prefork, threads, green).")
    String autoscale;

    @Option(names = "--broker", defaultValue = "${env:CELERIAC_BROKER_URL}",
            description = "consume Celery tasks from this broker, e.g. redis://localhost:6379/0 (Celery's broker_url). "
                    + "Default: none, tasks come from the shell and other bundles only.")
    String broker;

    @Option(names = {"-Q", "--queues"}, split = ",", description = "queues to consume, comma-separated, first = highest priority. Default: celery")
    List<String> queues;

    @Option(names = {"-n", "--hostname"}, description = "node name for remote control (celery inspect/control). Default: celeriac@<host name>")
    String hostname;

    @Option(names = {"-q", "--quiet"}, description = "no start-up banner (node, pool, broker, queues, tasks, ready).")
    boolean quiet;

    @Option(names = {"-E", "--task-events"}, description = "send task events (celery events, Flower) and post task "
            + "events on Event Admin, Celery's -E.")
    boolean taskEvents;

    @Option(names = "--http", paramLabel = "[HOST:]PORT", defaultValue = "${env:CELERIAC_HTTP}",
            description = "serve the dashboard, Prometheus /metrics and /health/live, /health/ready on this port, "
                    + "bound to 127.0.0.1 unless HOST is given; any other address needs an access token in "
                    + "CELERIAC_HTTP_TOKEN. Default: off, nothing listens.")
    String http;

    @Option(names = "--track-started", description = "report tasks as STARTED in the result backend when a pool "
            + "starts them, Celery's task_track_started.")
    boolean trackStarted;

    @Option(names = "--home", defaultValue = "${sys:celeriac.home}",
            description = "the distribution directory (bundle/, deploy/, conf/); set by bin/celeriac.")
    Path home;

    @Option(names = "--deploy-dir", description = "folder watched for bundles (.jar) and configurations (.cfg, .config). Default: <home>/deploy")
    Path deployDir;

    @Option(names = "--no-shell", description = "run headless: no interactive Gogo shell (also when standard input is not a terminal).")
    boolean noShell;

    @Option(names = {"-c", "--command"}, description = "a Gogo command to run once the container is up (repeatable), "
            + "e.g. -c 'celeriac:send add [2,3]'; its output goes to stdout.")
    List<String> commands = new ArrayList<>();

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        int code = cli.execute(args);
        if (code != 0 || cli.isUsageHelpRequested() || cli.isVersionHelpRequested()) {
            System.exit(code);
        }
        // code 0 from call(): the container has stopped; exit explicitly (non-daemon threads of bundles).
        System.exit(0);
    }

    @Override
    public Integer call() throws Exception {
        if (concurrency != null && concurrency < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--concurrency must be >= 0 (0 = the pool's default), was " + concurrency);
        }
        if (home == null) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--home is not set: run through bin/celeriac, or pass the distribution directory");
        }
        Path bundles = home.resolve("bundle");
        if (!Files.isDirectory(bundles)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "no bundle/ folder in " + home + ": --home must be a Celeriac distribution");
        }
        Path deploy = deployDir != null ? deployDir : home.resolve("deploy");
        Files.createDirectories(deploy);
        if (broker != null && !broker.isBlank() && !broker.startsWith("redis://") && !broker.startsWith("rediss://")) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--broker must be a redis:// or rediss:// URL (the broker Celeriac ships), was '" + broker + "'");
        }
        if ((queues != null || hostname != null) && (broker == null || broker.isBlank())) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--queues and --hostname need --broker");
        }
        // A console only for a person at a terminal: under a service manager, CI or a pipe, run headless.
        boolean interactive = !noShell && Terminals.stdinIsTerminal();
        if (autoscale != null && !validAutoscale(autoscale)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--autoscale must be MAX,MIN with 1 <= MIN <= MAX (e.g. 10,3), was '" + autoscale + "'");
        }
        HttpEndpoint endpoint = null;
        if (http != null && !http.isBlank()) {
            try {
                endpoint = HttpEndpoint.parse(http, System.getenv(HttpEndpoint.TOKEN_ENV));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
            }
        }
        Container container = new Container(home, deploy, interactive, new Container.WorkerOptions(pool, concurrency, autoscale),
                new Container.BrokerOptions(broker, queues == null ? null : String.join(",", queues), hostname),
                new Container.Switches(taskEvents, trackStarted, quiet), endpoint);
        container.start();
        Shutdown.onSignals(container, interactive);
        GogoCommands gogo = new GogoCommands(container.context());
        if (pool != null && !pool.isBlank()) {
            String unknown = PoolChoice.unknown(pool.trim(), gogo.value("celeriac:pools --names"));
            if (unknown != null) {
                System.err.println("celeriac: " + unknown);
                container.stop();
                return 2;
            }
        }
        if (!interactive && !quiet) {
            // Celery's banner, once the pool is up (prefork: children said WORKER_UP); at the console the
            // profile prints it before the first prompt.
            System.out.println(gogo.execute("celeriac:banner --startup"));
            System.out.flush();
        }
        if (!commands.isEmpty()) {
            for (String command : commands) {
                System.out.println(gogo.execute(command));
            }
            System.out.flush();
        }
        container.awaitStop();
        return 0;
    }

    /** {@code MAX[,MIN]}, as the worker reads it ({@code Autoscale.parse}): checked here so a typo stops the start. */
    static boolean validAutoscale(String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?").matcher(value);
        if (!m.matches()) {
            return false;
        }
        int max = Integer.parseInt(m.group(1));
        int min = m.group(2) == null ? 1 : Math.max(1, Integer.parseInt(m.group(2)));
        return max >= min;
    }
}
