package org.celeriac.pool.spi;

import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@code TaskHandle.started()} of a task, kept in one {@code volatile Object} field of the handle and
 * turned into a stage only when someone asks: most tasks are never asked, and a stage (or even a small
 * object) per task cost the solo pool 7–17 ns of its ~95 ns per task (measured). Like an
 * {@code AtomicReferenceFieldUpdater}: the handle owns the field, this class owns the protocol. Lock-free;
 * the first of {@link #started} and {@link #ended} wins.
 *
 * <p>A record because the JIT trusts a record's fields as constants: a handle class keeps its signal in a
 * {@code static final} field, and only then is {@link #field} a constant VarHandle whose accesses compile to
 * plain field operations. From an ordinary class's final field the JIT took the generic VarHandle path
 * (access-mode guards and casts: a third of a threads worker's samples, measured with JFR).
 *
 * <pre>
 *   null --started(w)--> w (a String, or a WorkerSlot or Job whose id is made when asked)
 *   null --ended()-----> NOT_STARTED
 *   null --stage()-----> a future, completed by started(w) with w or by ended() with null
 * </pre>
 *
 * @param field the handle's {@code volatile Object} field, found with {@code MethodHandles.lookup()}
 */
public record StartSignal(VarHandle field) {
    private static final Object NOT_STARTED = new Object();

    /**
     * The task started on {@code worker}; ignored after {@link #ended} or an earlier start.
     *
     * @return whether this call settled the signal (the task had neither started nor ended)
     */
    public boolean started(Object host, String worker) {
        return settle(host, worker);
    }

    /** The task started on the worker of {@code slot}; its id is made only when someone asks for it. */
    public boolean started(Object host, WorkerSlot slot) {
        return settle(host, slot);
    }

    /**
     * The task of {@code job} started on the job's own thread; the id, the pool's name for that thread, is
     * made only when someone asks for it (a green pool would otherwise make a string per task). Package-private:
     * only this package makes jobs.
     */
    boolean started(Object host, Job job) {
        return settle(host, job);
    }

    /** Whether the task started (and so {@link #started} was called first, before {@link #ended}). */
    public boolean hasStarted(Object host) {
        Object s = field.getVolatile(host);
        if (s instanceof OwnedFuture<?> f) {
            return f.getNow(null) != null;
        }
        return s != null && s != NOT_STARTED;
    }

    /** The task reached its final state; completes the stage with {@code null} unless it started. */
    public void ended(Object host) {
        settle(host, NOT_STARTED);
    }

    @SuppressWarnings("unchecked")
    private boolean settle(Object host, Object outcome) {
        for (;;) {
            Object s = field.getVolatile(host);
            if (s == null) {
                if (field.compareAndSet(host, null, outcome)) {
                    return true;
                }
            } else if (s instanceof OwnedFuture<?> f) {
                return ((OwnedFuture<String>) f).settle(outcome == NOT_STARTED ? null : idOf(outcome));
            } else {
                return false; // settled already
            }
        }
    }

    /**
     * The worker the task started on, or {@code null} if it has not started (or ended without starting).
     * Handles answer {@code workerId()} from here rather than keep the id twice: a green pool holds a
     * handle per task in flight, and one field less makes its handle 8 bytes smaller.
     */
    @SuppressWarnings("unchecked")
    public String worker(Object host) {
        Object s = field.getVolatile(host);
        if (s instanceof OwnedFuture<?> f) {
            return ((OwnedFuture<String>) f).getNow(null);
        }
        return s == NOT_STARTED ? null : idOf(s);
    }

    /** The id of a worker as {@link #started} was given it; {@code null} for {@code null}. */
    private static String idOf(Object worker) {
        return worker instanceof WorkerSlot slot ? slot.id() : worker instanceof Job job ? job.ownWorkerId() : (String) worker;
    }

    /** Whether someone asked for the stage (so a listener on another handle is worth attaching). */
    public boolean asked(Object host) {
        return field.getVolatile(host) instanceof OwnedFuture<?>;
    }

    /** The stage: the worker id once started, {@code null} if it ended without starting. */
    @SuppressWarnings("unchecked")
    public CompletionStage<String> stage(Object host) {
        for (;;) {
            Object s = field.getVolatile(host);
            if (s instanceof OwnedFuture<?> f) {
                return (OwnedFuture<String>) f;
            }
            if (s == NOT_STARTED) {
                return CompletableFuture.completedStage(null);
            }
            if (s != null) {
                return CompletableFuture.completedStage(idOf(s));
            }
            OwnedFuture<String> f = new OwnedFuture<>();
            if (field.compareAndSet(host, null, f)) {
                return f;
            }
        }
    }
}
