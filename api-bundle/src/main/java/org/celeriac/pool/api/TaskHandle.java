package org.celeriac.pool.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The pending result of a task accepted by {@link BasePool#applyAsync(TaskRequest)}: Celery's
 * {@code ApplyResult}. Thread-safe.
 *
 * <p>The result completes exactly once: with the task's return value, or exceptionally with the exception
 * the task threw (in-process pools), a {@link RemoteTaskException} (process pools), or one of
 * {@link UnknownTaskException}, {@link SoftTimeLimitExceededException}, {@link TimeLimitExceededException},
 * {@link TaskTerminatedException}, {@link TaskExpiredException}, {@link WorkerLostException},
 * {@link TaskRequeuedException}.
 */
@ProviderType
public interface TaskHandle {

    /** The request this handle stands for. */
    TaskRequest request();

    /** The task id, {@code request().id()}. */
    default String taskId() {
        return request().id();
    }

    /** The current state; {@link TaskState#isDone()} once the result is complete. */
    TaskState state();

    /** The worker that runs or ran the task (thread name, virtual-thread id, child pid), or {@code null} before it started. */
    String workerId();

    /**
     * Completes with the {@linkplain #workerId() worker id} when the task starts running, before its result
     * completes (Celery's {@code task-started}, {@code task_track_started}); completes with {@code null} if
     * the task reached its final state without starting (revoked, expired, refused, cut off while queued).
     * A handle that moves between pools (the worker's) completes once, when a pool really starts the task.
     *
     * @since 1.3
     */
    CompletionStage<String> started();

    /**
     * The result, as a stage to compose; completing it from outside is not possible. Its
     * {@code toCompletableFuture()} may be the handle's own future, whose {@code complete},
     * {@code obtrude*} and {@code orTimeout} methods throw {@link UnsupportedOperationException}: compose on it
     * ({@code thenApply(v -> v)}) for a future of your own.
     */
    CompletionStage<Object> result();

    /**
     * Waits at most {@code timeout} for the result.
     *
     * @throws ExecutionException   the task failed; the cause is the failure
     * @throws TimeoutException     not done in time (the task goes on)
     * @throws InterruptedException the caller was interrupted (the task goes on)
     */
    default Object await(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        return result().toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Terminates the task as {@link BasePool#terminateJob(String)} does.
     *
     * @return {@code true} if this call stopped it; {@code false} if it was already done
     */
    boolean terminate();
}
