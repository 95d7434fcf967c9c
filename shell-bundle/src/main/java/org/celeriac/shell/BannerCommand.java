package org.celeriac.shell;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.worker.api.Autoscale;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code celeriac:banner}: what this worker runs, as Celery's worker prints it at start-up — node, pool and
 * concurrency (a prefork pool's children by pid), transport and queues (password masked) or "no broker",
 * the deploy folder, the registered tasks — and, once its pool is up, that it is ready. The launcher prints
 * it when the worker starts ({@code --startup}), headless or at the console, unless started with {@code --quiet}.
 */
@Component(service = BannerCommand.class, property = {"osgi.command.scope=celeriac", "osgi.command.function=banner"})
public final class BannerCommand {
    /** Framework property set by the launcher's {@code --quiet}: no banner at start-up. */
    static final String QUIET = "celeriac.quiet";
    private static final long STARTUP_WAIT_MILLIS = 120_000;

    private final Worker worker;
    private final BundleContext context;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<Broker> brokers;

    @Reference(service = Task.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<ServiceReference<Task>> taskServices;

    @Activate
    public BannerCommand(@Reference Worker worker, BundleContext context) {
        this.worker = worker;
        this.context = context;
    }

    @Descriptor("show what this worker runs (Celery's start-up banner): node, pool and its workers, broker and queues, "
            + "deploy folder, registered tasks, and whether it is ready")
    public String banner(@Descriptor("as at start-up: wait until the pool is up (prefork: its children said WORKER_UP), "
                                 + "print nothing if the launcher was started with --quiet")
                         @Parameter(names = {"-s", "--startup"}, presentValue = "true", absentValue = "false") boolean startup)
            throws InterruptedException {
        if (startup && Boolean.parseBoolean(context.getProperty(QUIET))) {
            return "";
        }
        long deadline = System.currentTimeMillis() + (startup ? STARTUP_WAIT_MILLIS : 0);
        while (!ready(worker.stats()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        return render(worker.stats());
    }

    /** Up: the pool runs and none of its working workers is still starting (a warm spare may be). */
    static boolean ready(PoolStats s) {
        return s.state() == PoolState.RUN && s.workers().stream().noneMatch(w -> w.state().equals("starting"));
    }

    private String render(PoolStats s) {
        List<Broker> now = brokers == null ? List.of() : List.copyOf(brokers);
        String node = now.isEmpty() ? "celeriac@" + hostname() : now.get(0).nodeName();
        StringBuilder out = new StringBuilder();
        out.append(String.format("celeriac %s  %s (pid %d)  Java %s  Apache Felix %s%n", context.getProperty("celeriac.version"),
                node, ProcessHandle.current().pid(), Runtime.version().feature(), context.getBundle(0).getVersion()));
        out.append(line("pool", s.pool() + ", concurrency " + s.concurrency() + children(s)));
        Autoscale autoscale = worker.autoscale();
        if (autoscale.max() > 0) {
            out.append(line("autoscale", autoscale.max() + "," + autoscale.min() + " (keep-alive " + autoscale.keepAlive().toSeconds() + " s)"));
        }
        if (now.isEmpty()) {
            out.append(line("transport", "none: tasks come from the shell and other bundles (start with --broker redis://…)"));
        }
        for (Broker b : now) {
            out.append(line("transport", b.name() + " " + b.url()));
            out.append(line("queues", String.join(", ", b.queues())));
        }
        String http = context.getProperty("celeriac.http.url");
        if (http != null) {
            out.append(line("http", http + "  (dashboard; /metrics, /health/live, /health/ready)"));
        }
        String deploy = context.getProperty("felix.fileinstall.dir");
        if (deploy != null) {
            out.append(line("deploy", deploy));
        }
        out.append(String.format("%n[tasks]%n"));
        out.append(TaskNames.of(taskServices).keySet().stream().map(n -> "  . " + n + "\n").collect(Collectors.joining()));
        out.append(String.format("%n%s %s", node, ready(s) ? "ready." : "NOT READY: pool " + s.pool() + " is " + s.state()
                + (s.state() == PoolState.RUN ? ", workers still starting" : "")));
        return out.toString();
    }

    private static String line(String what, String value) {
        return String.format(" .> %-10s %s%n", what + ":", value);
    }

    /** A prefork pool's children by pid (spares apart), as {@code ps} shows them. */
    private static String children(PoolStats s) {
        List<String> pids = s.workers().stream().filter(w -> w.id().chars().allMatch(Character::isDigit))
                .filter(w -> !w.state().startsWith("spare")).map(WorkerInfo::id).toList();
        long spares = s.workers().stream().filter(w -> w.state().startsWith("spare")).count();
        return pids.isEmpty() ? "" : " (children " + String.join(", ", pids) + (spares > 0 ? "; " + spares + " spare" : "") + ")";
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
