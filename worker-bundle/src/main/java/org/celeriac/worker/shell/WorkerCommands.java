package org.celeriac.worker.shell;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.WorkerInfo;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.BrokerStats;
import org.celeriac.worker.api.PoolDescriptor;
import org.celeriac.worker.api.Worker;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code celeriac:} commands of the Apache Felix Gogo shell. Each returns the text to print; bad input
 * throws {@link IllegalArgumentException} with a message that names the bad value (Gogo prints it).
 */
@Component(service = WorkerCommands.class, property = {
        "osgi.command.scope=celeriac",
        "osgi.command.function=pools", "osgi.command.function=use", "osgi.command.function=stats",
        "osgi.command.function=grow", "osgi.command.function=shrink", "osgi.command.function=restart",
        "osgi.command.function=terminate", "osgi.command.function=send", "osgi.command.function=tasks",
        "osgi.command.function=result", "osgi.command.function=brokers"})
public final class WorkerCommands {
    private final Worker worker;

    /** Broker bundles come and go; the shell lists whichever are there now. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<Broker> brokers;

    @Activate
    public WorkerCommands(@Reference Worker worker) {
        this.worker = worker;
    }

    /** {@code celeriac:pools}: every pool service, the active one marked with {@code *}. */
    public String pools() {
        StringBuilder out = new StringBuilder(String.format("  %-28s %-6s %-12s %-8s %s%n", "NAME", "GREEN", "SIGNAL-SAFE", "RANKING", "BUNDLE"));
        for (PoolDescriptor p : worker.pools()) {
            out.append(String.format("%s %-28s %-6s %-12s %-8d %s%n", p.active() ? "*" : " ", String.join(",", p.names()),
                    p.green(), p.signalSafe(), p.ranking(), p.bundle()));
        }
        return out.toString();
    }

    /** {@code celeriac:use <name>}: hot-swaps to that pool at the configured concurrency. */
    public String use(String name) {
        return use(name, 0);
    }

    /** {@code celeriac:use <name> <concurrency>}. */
    public String use(String name, int concurrency) {
        worker.use(name, concurrency);
        return "using pool " + worker.activePool().orElse("?") + " (concurrency " + worker.stats().concurrency() + ")";
    }

    /** {@code celeriac:stats}: the active pool's counters and workers. */
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
    public String grow(int n) {
        requirePositive(n, "grow");
        worker.grow(n);
        return "concurrency now " + worker.stats().concurrency();
    }

    /** {@code celeriac:shrink <n>}. */
    public String shrink(int n) {
        requirePositive(n, "shrink");
        worker.shrink(n);
        return "concurrency now " + worker.stats().concurrency();
    }

    /** {@code celeriac:restart}: replaces the pool's workers without losing a task. */
    public String restart() {
        worker.restart();
        return "restarted pool " + worker.activePool().orElse("?");
    }

    /** {@code celeriac:terminate <taskId>}. */
    public String terminate(String taskId) {
        return worker.terminate(taskId) ? "terminated " + taskId : "no pending or running task " + taskId;
    }

    /** {@code celeriac:send <task>}: submits a task without arguments and prints its id. */
    public String send(String task) {
        return send(task, "[]", "{}");
    }

    /** {@code celeriac:send <task> <json-args>}. */
    public String send(String task, Object args) {
        return send(task, args, "{}");
    }

    /** {@code celeriac:send <task> <json-args> <json-kwargs>}. */
    public String send(String task, Object args, Object kwargs) {
        List<Object> a = JsonArgs.args(args);
        Map<String, Object> k = JsonArgs.kwargs(kwargs);
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("task name must not be blank");
        }
        TaskHandle h = worker.submit(TaskRequest.builder(task).args(a).kwargs(k).build());
        return h.taskId();
    }

    /** {@code celeriac:tasks}: pending and running tasks, then recent ones. */
    public String tasks() {
        StringBuilder out = new StringBuilder(String.format("%-36s  %-9s %-20s %s%n", "ID", "STATE", "TASK", "WORKER"));
        for (TaskHandle h : worker.tasks()) {
            out.append(String.format("%-36s  %-9s %-20s %s%n", h.taskId(), h.state(), h.request().name(),
                    h.workerId() == null ? "" : h.workerId()));
        }
        return out.toString();
    }

    /** {@code celeriac:result <taskId>}: the state, and the result or error once done. */
    public String result(String taskId) {
        return result(taskId, 0);
    }

    /** {@code celeriac:result <taskId> <seconds>}: waits up to that long for the task to finish (Celery's {@code get(timeout)}). */
    public String result(String taskId, double waitSeconds) {
        if (waitSeconds < 0) {
            throw new IllegalArgumentException("seconds to wait must be >= 0, was " + waitSeconds);
        }
        TaskHandle h = worker.task(taskId).orElseThrow(() -> new IllegalArgumentException(
                "no pending, running or recent task " + taskId));
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

    private static void requirePositive(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " needs a count >= 1, was " + n);
        }
    }

}
