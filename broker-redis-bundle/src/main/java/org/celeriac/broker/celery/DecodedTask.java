package org.celeriac.broker.celery;

import org.celeriac.pool.api.TaskRequest;

/** What a task message asks for: a task to run, or a refusal to report back to the sender. */
public sealed interface DecodedTask {

    /** The task id the result is stored under; {@code null} only when the message has none at all. */
    String taskId();

    /**
     * A well-formed protocol-v2 task.
     *
     * @param ignoreResult the sender asked for no result ({@code ignore_result})
     * @param canvas       what to send after it (callbacks, errbacks, the rest of its chain)
     * @param priority     its message priority, which the messages it leads to inherit
     * @param group        the id of the group it belongs to (Celery's {@code group} header), or {@code null}
     * @param groupIndex   its place in that group ({@code group_index}), or {@code null}
     */
    record Run(TaskRequest request, boolean ignoreResult, Canvas canvas, int priority, String group, Number groupIndex)
            implements DecodedTask {
        @Override
        public String taskId() {
            return request.id();
        }
    }

    /** A message Celeriac will not run; {@code error} is stored as its result and the message is acknowledged. */
    record Refuse(String taskId, String taskName, CeleryError error) implements DecodedTask {
    }
}
