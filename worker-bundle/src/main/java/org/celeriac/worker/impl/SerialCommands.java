package org.celeriac.worker.impl;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One thread that runs commands one at a time, in the order given; callers may wait for a command's outcome
 * for a bounded time, and a wait that runs out says what the thread is doing (its stack), as Felix SCR
 * reports a lock it could not get. A command given on the thread itself runs at once (no self-deadlock).
 */
final class SerialCommands {
    private final String name;
    private final Duration timeout;
    private final ExecutorService executor;
    private volatile Thread thread;

    SerialCommands(String name, Duration timeout) {
        this.name = name;
        this.timeout = timeout;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    boolean inThread() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code command} later; once shut down, not at all (the returned future is complete). */
    Future<Void> submit(Runnable command) {
        try {
            return executor.submit(command, null);
        } catch (RejectedExecutionException shutDown) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Runs {@code command} on the thread and returns its outcome, its runtime exception rethrown. */
    <T> T call(String what, Callable<T> command) {
        if (inThread()) {
            try {
                return command.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return await(what, executor.submit(command));
    }

    /** Waits for a submitted command. */
    <T> T await(String what, Future<T> outcome) {
        try {
            return outcome.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            IllegalStateException stuck = new IllegalStateException(name + " did not " + what + " within " + timeout
                    + "; where its thread is is attached");
            Thread t = thread;
            if (t != null) {
                Throwable where = new Throwable(t.getName() + " (" + t.getState() + ")");
                where.setStackTrace(t.getStackTrace());
                stuck.addSuppressed(where);
            }
            throw stuck;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name + " to " + what);
        }
    }

    /** Runs what was given, then ends the thread. */
    void shutdown() {
        executor.shutdown();
    }
}
