package org.celeriac.pool.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link CompletableFuture} that only its owner completes: a handle gives it out as its result (or its
 * start) as it is, where {@link CompletableFuture#minimalCompletionStage()} would cost a copy and a relay
 * per call (64 bytes per task in flight, and one more completion step each), and a plain future would let
 * any caller complete a task's result.
 *
 * <p>Every public way to complete it from outside throws {@link UnsupportedOperationException}, as the
 * JDK's own minimal stage does: {@code complete}, {@code completeExceptionally}, {@code obtrude*},
 * {@code completeAsync}, {@code orTimeout}, {@code completeOnTimeout}. {@link #cancel} returns {@code false}
 * (a result cannot be cancelled by its reader; terminate the task instead). {@link #toCompletableFuture()}
 * returns this future, so {@code get}, {@code join} and {@code state} work as usual. The owner completes it
 * with {@link #settle} or {@link #settleExceptionally}. Dependent stages are ordinary futures.
 *
 * @param <T> the value's type
 * @since 1.4
 */
public class OwnedFuture<T> extends CompletableFuture<T> {

    /** Completes with {@code value}; {@code false} if it was complete already. For the owner only. */
    public final boolean settle(T value) {
        return super.complete(value);
    }

    /** Completes with {@code error}; {@code false} if it was complete already. For the owner only. */
    public final boolean settleExceptionally(Throwable error) {
        return super.completeExceptionally(error);
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>(); // dependents belong to whoever made them
    }

    @Override
    public final boolean complete(T value) {
        throw refused();
    }

    @Override
    public final boolean completeExceptionally(Throwable ex) {
        throw refused();
    }

    @Override
    public final void obtrudeValue(T value) {
        throw refused();
    }

    @Override
    public final void obtrudeException(Throwable ex) {
        throw refused();
    }

    @Override
    public final CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        throw refused();
    }

    @Override
    public final CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        throw refused();
    }

    @Override
    public final CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
        throw refused();
    }

    @Override
    public final CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        throw refused();
    }

    /** Always {@code false}: nobody but the owner ends it. */
    @Override
    public final boolean cancel(boolean mayInterruptIfRunning) {
        return false;
    }

    private static UnsupportedOperationException refused() {
        return new UnsupportedOperationException("only the task's handle completes this future; compose on it or"
                + " copy it with thenApply(v -> v) to get one of your own");
    }
}
