package org.celeriac.pool.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;

/**
 * The handle of a task submitted from a helper thread (the solo pool blocks its caller): it forwards to the
 * real handle once {@code applyAsync} has returned it.
 */
final class DeferredHandle implements TaskHandle {
    private final TaskRequest request;
    private final CompletableFuture<TaskHandle> handle;

    DeferredHandle(TaskRequest request, CompletableFuture<TaskHandle> handle) {
        this.request = request;
        this.handle = handle;
    }

    private TaskHandle real() {
        return handle.getNow(null);
    }

    @Override
    public TaskRequest request() {
        return request;
    }

    @Override
    public TaskState state() {
        TaskHandle h = real();
        return h == null ? TaskState.STARTED : h.state();
    }

    @Override
    public String workerId() {
        TaskHandle h = real();
        return h == null ? null : h.workerId();
    }

    @Override
    public CompletionStage<String> started() {
        return handle.thenCompose(TaskHandle::started);
    }

    @Override
    public CompletionStage<Object> result() {
        return handle.thenCompose(TaskHandle::result);
    }


    @Override
    public boolean terminate() {
        TaskHandle h = real();
        return h != null && h.terminate();
    }
}
