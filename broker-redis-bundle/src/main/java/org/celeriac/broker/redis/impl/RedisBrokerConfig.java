package org.celeriac.broker.redis.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the Redis broker, Config Admin PID {@code org.celeriac.broker.redis} (Celery's
 * {@code broker_url}, {@code task_queues}, {@code worker_prefetch_multiplier} and transport options). The
 * broker runs only while this configuration exists: the launcher's {@code --broker} creates it, and so does a
 * {@code org.celeriac.broker.redis.cfg} file in the deploy folder.
 */
@ObjectClassDefinition(name = "Celeriac Redis broker", description = "Consume Celery tasks from Redis")
@interface RedisBrokerConfig {
    String PID = "org.celeriac.broker.redis";

    @AttributeDefinition(description = "redis://[[user]:password@]host[:port][/db] or rediss:// (Celery's broker_url)")
    String url() default "redis://localhost:6379/0";

    @AttributeDefinition(description = "queues to consume, first = highest priority (Celery's -Q)")
    String[] queues() default {"celery"};

    @AttributeDefinition(description = "messages taken per pool worker before earlier ones are acknowledged (worker_prefetch_multiplier)")
    int prefetch_multiplier() default 4;

    @AttributeDefinition(description = "seconds after which another worker restores an unacknowledged message "
            + "(kombu's visibility_timeout); Celeriac keeps its own running tasks' messages fresh")
    double visibility_timeout() default 3600;

    @AttributeDefinition(description = "times a message is restored after its worker was lost before it fails with "
            + "WorkerLostError instead (a task that kills every worker that runs it is not redelivered forever)")
    int max_redeliveries() default 5;

    @AttributeDefinition(description = "where results go, as Celery's Redis result backend stores them: 'broker' "
            + "(the broker's Redis; stored atomically with the acknowledgement), a redis:// URL (another Redis or "
            + "database, e.g. Celery's backend='redis://host/1'), or 'disabled'")
    String result_backend() default "broker";

    @AttributeDefinition(description = "seconds a stored result lives (Celery's result_expires); 0 = forever")
    long result_expires() default 86400;

    @AttributeDefinition(description = "the node name remote control addresses (Celery's -n); empty = celeriac@<host name>")
    String hostname() default "";

    @AttributeDefinition(description = "longest task body accepted, bytes; larger messages fail with a clear error")
    long max_message_bytes() default 16 * 1024 * 1024;

    @AttributeDefinition(description = "send task events (task-received, -started, -succeeded, -failed, -revoked) for "
            + "celery events and Flower, Celery's -E; worker events (online, heartbeat, offline) are always sent")
    boolean task_events() default false;

    @AttributeDefinition(description = "report a task's state as STARTED when a pool starts it (Celery's "
            + "task_track_started)")
    boolean track_started() default false;

    @AttributeDefinition(description = "store the task's name, args, kwargs, worker, retries and queue with its result "
            + "(Celery's result_extended)")
    boolean result_extended() default false;

    @AttributeDefinition(description = "seconds running tasks get to finish and be acknowledged when the broker stops; "
            + "what still runs then goes back to the queue")
    double shutdown_grace() default 30;

    @AttributeDefinition(description = "seconds an idle consumer waits for a message on a queue other than the first before it looks again")
    double poll_interval() default 0.2;
}
