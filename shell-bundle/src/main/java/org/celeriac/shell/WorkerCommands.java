package org.celeriac.shell;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.Task;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.BrokerStats;
import org.celeriac.worker.api.PoolDescriptor;
import org.celeriac.worker.api.Worker;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code celeriac:} commands of the Apache Felix Gogo shell. Each returns the text to print; bad input
 * throws {@link IllegalArgumentException} with a message that names the bad value (Gogo prints it). The
 * {@link Descriptor}s are what {@code help celeriac:send} prints.
 */
@Component(service = WorkerCommands.class, property = {
        "osgi.command.scope=celeriac",
        "osgi.command.function=pools", "osgi.command.function=use", "osgi.command.function=stats",
        "osgi.command.function=grow", "osgi.command.function=shrink", "osgi.command.function=restart",
        "osgi.command.function=terminate", "osgi.command.function=send", "osgi.command.function=tasks",
        "osgi.command.function=result", "osgi.command.function=brokers", "osgi.command.function=registered"})
public final class WorkerCommands {
    private final Worker worker;

    /** Broker bundles come and go; the shell lists whichever are there now. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<Broker> brokers;

    /** Task services come and go with their bundles; the shell lists and completes whichever are there now. */
    @Reference(service = Task.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<ServiceReference<Task>> taskServices;

    @Activate
    public WorkerCommands(@Reference Worker worker) {
        this.worker = worker;
    }

    /** {@code celeriac:pools}: every pool service, the active one marked with {@code *}. */
    @Descriptor("list the installed pools; * marks the active one")
    public Object pools(@Descriptor("only the names and aliases, one per line (what Tab completes after celeriac:use)")
                        @Parameter(names = {"-n", "--names"}, presentValue = "true", absentValue = "false") boolean namesOnly) {
        if (namesOnly) {
            return poolNames();
        }
        StringBuilder out = new StringBuilder(String.format("  %-28s %-6s %-12s %-8s %s%n", "NAME", "GREEN", "SIGNAL-SAFE", "RANKING", "BUNDLE"));
        for (PoolDescriptor p : worker.pools()) {
            out.append(String.format("%s %-28s %-6s %-12s %-8d %s%n", p.active() ? "*" : " ", String.join(",", p.names()),
                    p.green(), p.signalSafe(), p.ranking(), p.bundle()));
        }
        return out.toString();
    }

    /** Every pool name and alias, for completion. */
    List<String> poolNames() {
        return worker.pools().stream().flatMap(p -> p.names().stream()).distinct().toList();
    }

    /** {@code celeriac:use <name>}: hot-swaps to that pool at the configured concurrency. */
    @Descriptor("switch to another pool (hot-swap): new tasks go to it, queued ones move, running ones finish")
    public String use(@Descriptor("pool name or alias, e.g. prefork, threads, green, gevent, solo") String name) {
        return use(name, 0);
    }

    /** {@code celeriac:use <name> <concurrency>}. */
    @Descriptor("switch to another pool (hot-swap) with that many workers")
    public String use(@Descriptor("pool name or alias") String name,
                      @Descriptor("workers of the new pool; 0 = the configured concurrency") int concurrency) {
        worker.use(name, concurrency);
        return "using pool " + worker.activePool().orElse("?") + " (concurrency " + worker.stats().concurrency() + ")";
    }

    /** {@code celeriac:stats}: the active pool's counters and workers. */
    @Descriptor("show the active pool's counters and each of its workers (prefork: child pid, state, tasks, RSS)")
    public String stats() {
        PoolStats s = worker.stats();
        StringBuilder out = new StringBuilder();
        out.append(String.format("pool %s  state %s  concurrency %d  active %d  queued %d  completed %d  failed %d%n",
                s.pool(), s.state(), s.concurrency(), s.active(), s.queued(), s.completed(), s.failed()));
        for (WorkerInfo w : s.workers()) {
            out.append(String.format("  %-32s %-9s tasks %-8d %s%s%n", w.id(), w.state(), w.tasksDone(),
                    w.taskId() == null ? "" : "task " + w.taskId() + " ", w.memoryBytes() >= 0 ? "rss " + w.memoryBytes() / 1024 + " KiB" : ""));
        }
        return out.toString();
    }

    /** {@code celeriac:grow <n>}. */
    @Descriptor("add workers to the active pool")
    public String grow(@Descriptor("how many workers to add (>= 1)") int n) {
        requirePositive(n, "grow");
        worker.grow(n);
        return "concurrency now " + worker.stats().concurrency();
    }

    /** {@code celeriac:shrink <n>}. */
    @Descriptor("remove workers from the active pool (idle ones first, never below one)")
    public String shrink(@Descriptor("how many workers to remove (>= 1)") int n) {
        requirePositive(n, "shrink");
        worker.shrink(n);
        return "concurrency now " + worker.stats().concurrency();
    }

    /** {@code celeriac:restart}: replaces the pool's workers without losing a task. */
    @Descriptor("replace the active pool's workers (rolling, loses no task); prefork children pick up updated task bundles")
    public String restart() {
        worker.restart();
        return "restarted pool " + worker.activePool().orElse("?");
    }

    /** {@code celeriac:terminate <taskId>}. */
    @Descriptor("terminate a pending or running task (revoke with terminate)")
    public String terminate(@Descriptor("the task's id, as send printed it") String taskId) {
        return worker.terminate(taskId) ? "terminated " + taskId : "no pending or running task " + taskId;
    }

    /**
     * {@code celeriac:send <task> [json-args] [json-kwargs]}: submits a task and prints its id. One method with
     * a variable tail rather than three overloads: {@code help} then shows one usage, and Gogo's choice
     * between overloads never depends on how it read the JSON.
     */
    @Descriptor("send a task to the active pool; prints its id")
    public String send(@Descriptor("registered task name (celeriac:registered lists them)") String task,
                       @Descriptor("optional: the args, a JSON array, then the kwargs, a JSON object, as typed:"
                               + " [2,3] {\"k\":true}, or in single quotes: '[\"a b\", null]' '{\"k\": [1, 2]}'") Object... json) {
        // Gogo spreads a list literal over a variable tail ([2 3] arrives as two values), so the values it
        // passed line up with what was typed only when their counts agree; the typed text decides.
        List<String> typed = TypedArguments.ofCurrentJob("send").map(t -> t.subList(1, t.size())).orElse(null);
        int count = typed != null ? typed.size() : json.length;
        if (count > 2) {
            throw new IllegalArgumentException("send takes a task name, JSON args and JSON kwargs; got " + count
                    + " arguments after the task name (quote JSON holding spaces: '[\"a b\"]')");
        }
        boolean aligned = typed == null || typed.size() == json.length;
        List<Object> args = count > 0 ? JsonArgs.args(aligned ? json[0] : null, typed == null ? null : typed.get(0)) : List.of();
        Map<String, Object> kwargs = count > 1 ? JsonArgs.kwargs(aligned ? json[1] : null, typed == null ? null : typed.get(1)) : Map.of();
        return submit(task, args, kwargs);
    }

    private String submit(String task, List<Object> args, Map<String, Object> kwargs) {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("task name must not be blank");
        }
        return worker.submit(TaskRequest.builder(task).args(args).kwargs(kwargs).build()).taskId();
    }

    /** {@code celeriac:tasks}: pending and running tasks, then recent ones. */
    @Descriptor("list pending and running tasks, then the most recently finished ones")
    public Object tasks(@Descriptor("only the ids, one per line (what Tab completes after celeriac:result and terminate)")
                        @Parameter(names = {"-i", "--ids"}, presentValue = "true", absentValue = "false") boolean idsOnly) {
        if (idsOnly) {
            return worker.tasks().stream().map(TaskHandle::taskId).distinct().toList();
        }
        StringBuilder out = new StringBuilder(String.format("%-36s  %-9s %-20s %s%n", "ID", "STATE", "TASK", "WORKER"));
        for (TaskHandle h : worker.tasks()) {
            out.append(String.format("%-36s  %-9s %-20s %s%n", h.taskId(), h.state(), h.request().name(),
                    h.workerId() == null ? "" : h.workerId()));
        }
        return out.toString();
    }

    /** {@code celeriac:result <taskId>}: the state, and the result or error once done. */
    @Descriptor("show a task's state, and its result or error once it is done")
    public String result(@Descriptor("the task's id, as send printed it") String taskId) {
        return result(taskId, 0);
    }

    /** {@code celeriac:result <taskId> <seconds>}: waits up to that long for the task to finish (Celery's {@code get(timeout)}). */
    @Descriptor("wait up to SECONDS for a task to finish, then show its state and result (Celery's get(timeout))")
    public String result(@Descriptor("the task's id, as send printed it") String taskId,
                         @Descriptor("seconds to wait at most") double waitSeconds) {
        if (waitSeconds < 0) {
            throw new IllegalArgumentException("seconds to wait must be >= 0, was " + waitSeconds);
        }
        TaskHandle h = worker.task(taskId).orElseThrow(() -> new IllegalArgumentException(worker.evicted(taskId)
                ? "task " + taskId + " finished, but its result was evicted: the worker keeps the last "
                  + "result.retention results (org.celeriac.worker configuration)"
                : "no pending, running or recent task " + taskId));
        try {
            h.result().toCompletableFuture().get((long) (waitSeconds * 1000), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // not done in time, or failed: reported below
        }
        TaskState state = h.state();
        if (!state.isDone()) {
            return state.name();
        }
        try {
            return state + " " + JsonArgs.toJson(h.await(Duration.ZERO));
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return state + " " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        } catch (Exception e) {
            return state.name();
        }
    }

    /** {@code celeriac:brokers}: where tasks come from besides the shell, with each broker's message counters. */
    @Descriptor("list the brokers tasks come from (e.g. Redis), with their message counters")
    public String brokers() {
        List<Broker> now = brokers;
        if (now == null || now.isEmpty()) {
            return "no broker: tasks come from the shell and other bundles only (start with --broker redis://…)";
        }
        StringBuilder out = new StringBuilder();
        for (Broker b : now) {
            BrokerStats s = b.stats();
            out.append(String.format("%s %s queues %s node %s%s%n  received %d  acknowledged %d  requeued %d  restored %d"
                            + "  rejected %d  in flight %d/%d%n", b.name(), b.url(), b.queues(), b.nodeName(),
                    s.connected() ? "" : "  (DISCONNECTED)", s.received(), s.acknowledged(), s.requeued(), s.restored(),
                    s.rejected(), s.inFlight(), s.prefetchLimit()));
        }
        return out.toString();
    }

    /** {@code celeriac:registered}: the task names {@code send} accepts, with the bundle of each (Celery's {@code inspect registered}). */
    @Descriptor("list the registered task names (what send accepts), the bundle of each, and those the active pool cannot run, with why")
    public Object registered(@Descriptor("only the names, one per line (what Tab completes after celeriac:send)")
                             @Parameter(names = {"-n", "--names"}, presentValue = "true", absentValue = "false") boolean namesOnly) {
        if (namesOnly) {
            return List.copyOf(taskNames().keySet());
        }
        Map<String, String> unavailable = worker.unavailableTasks();
        String pool = worker.activePool().orElse("?");
        StringBuilder out = new StringBuilder();
        taskNames().forEach((name, bundle) -> out.append(String.format("%-32s %s%s%n", name, bundle,
                unavailable.containsKey(name) ? "  NOT ON " + pool + ": " + unavailable.get(name) : "")));
        return out.toString();
    }

    /** Registered task names, sorted, each with the symbolic name of the bundle that provides it. */
    java.util.SortedMap<String, String> taskNames() {
        return TaskNames.of(taskServices);
    }

    private static void requirePositive(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " needs a count >= 1, was " + n);
        }
    }

}
