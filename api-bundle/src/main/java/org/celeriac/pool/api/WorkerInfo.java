package org.celeriac.pool.api;

import java.time.Duration;

/**
 * One worker of a pool as {@link PoolStats} shows it.
 *
 * @param id          thread name, virtual-thread id or child pid
 * @param state       e.g. {@code idle}, {@code busy}, {@code starting}, {@code retiring}, {@code abandoned}; a prefork warm
 *                    spare is {@code spare-starting}, then {@code spare}
 * @param taskId      the task it runs, or {@code null}
 * @param tasksDone   tasks it has finished
 * @param memoryBytes its memory use (RSS for a child process), or {@code -1} when not measured
 * @param uptime      how long it has existed
 */
public record WorkerInfo(String id, String state, String taskId, long tasksDone, long memoryBytes, Duration uptime) {
}
