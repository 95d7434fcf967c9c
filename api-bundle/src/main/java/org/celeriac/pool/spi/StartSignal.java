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
 *   null --started(w)--> w (a String)          null --ended()--> NOT_STARTED
 *   null --stage()-----> a future, completed by started(w) with w or by ended() with null
 * </pre>
 *
 * @param field the handle's {@code volatile Object} field, found with {@code MethodHandles.lookup()}
 */
public record StartSignal(VarHandle field) {
    private static final Object NOT_STARTED = new Object();

    /** The task started on {@code worker}; ignored after {@link #ended} or an earlier start. */
    public void started(Object host, String worker) {
        settle(host, worker);
    }

    /** The task reached its final state; completes the stage with {@code null} unless it started. */
    public void ended(Object host) {
        settle(host, NOT_STARTED);
    }

    @SuppressWarnings("unchecked")
    private void settle(Object host, Object outcome) {
        for (;;) {
            Object s = field.getVolatile(host);
            if (s == null) {
                if (field.compareAndSet(host, null, outcome)) {
                    return;
                }
            } else if (s instanceof CompletableFuture<?> f) {
                ((CompletableFuture<String>) f).complete(outcome == NOT_STARTED ? null : (String) outcome);
                return;
            } else {
                return; // settled already
            }
        }
    }

    /** Whether someone asked for the stage (so a listener on another handle is worth attaching). */
    public boolean asked(Object host) {
        return field.getVolatile(host) instanceof CompletableFuture<?>;
    }

    /** The stage: the worker id once started, {@code null} if it ended without starting. */
    @SuppressWarnings("unchecked")
    public CompletionStage<String> stage(Object host) {
        for (;;) {
            Object s = field.getVolatile(host);
            if (s instanceof CompletableFuture<?> f) {
                return ((CompletableFuture<String>) f).minimalCompletionStage();
            }
            if (s instanceof String worker) {
                return CompletableFuture.completedStage(worker);
            }
            if (s == NOT_STARTED) {
                return CompletableFuture.completedStage(null);
            }
            CompletableFuture<String> f = new CompletableFuture<>();
            if (field.compareAndSet(host, null, f)) {
                return f.minimalCompletionStage();
            }
        }
    }
}
