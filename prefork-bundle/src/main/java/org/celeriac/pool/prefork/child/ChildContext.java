package org.celeriac.pool.prefork.child;

import org.celeriac.pool.api.TaskContext;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.spi.SoftTimeLimit;

/** What a task running in a child sees: its request, the child's pid as worker id, its soft time limit. */
final class ChildContext implements TaskContext {
    private final TaskRequest request;
    private final String workerId;
    /** Armed by the task's thread as the task starts. */
    volatile SoftTimeLimit soft = SoftTimeLimit.NONE;

    ChildContext(TaskRequest request, String workerId) {
        this.request = request;
        this.workerId = workerId;
    }

    @Override
    public TaskRequest request() {
        return request;
    }

    @Override
    public String workerId() {
        return workerId;
    }

    @Override
    public boolean isCancelled() {
        return soft.hit();
    }

    @Override
    public void checkSoftTimeLimit() {
        soft.check();
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("org.celeriac.task." + request.name());
    }
}
