package org.celeriac.pool.prefork.child;

import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskContext;
import org.celeriac.pool.api.TaskRequest;

/** What a task running in a child sees: its request, the child's pid as worker id, the soft-limit flag. */
final class ChildContext implements TaskContext {
    private final TaskRequest request;
    private final String workerId;
    volatile boolean softLimitHit;

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
        return softLimitHit;
    }

    @Override
    public void checkSoftTimeLimit() {
        if (softLimitHit) {
            throw new SoftTimeLimitExceededException("task " + request.name() + "[" + request.id()
                    + "] exceeded its soft time limit of " + request.softTimeLimit());
        }
    }

    @Override
    public System.Logger logger() {
        return System.getLogger("org.celeriac.task." + request.name());
    }
}
