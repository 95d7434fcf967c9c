package org.celeriac.worker.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the worker, Config Admin PID {@code org.celeriac.worker} (Celery's worker settings).
 * Keys are dotted, as DS maps them to these methods ({@code pool_wait_timeout()} reads {@code pool.wait.timeout}).
 * The launcher's {@code --pool}/{@code --concurrency} (or {@code CELERIAC_POOL}/{@code CELERIAC_CONCURRENCY})
 * choose the pool at start; a later change of this configuration switches pools at run time.
 */
@ObjectClassDefinition(name = "Celeriac worker", description = "Pool selection and limits of the Celeriac worker")
@interface WorkerConfig {
    String PID = "org.celeriac.worker";

    @AttributeDefinition(description = "pool.name of the pool to run tasks on (Celery's worker_pool)")
    String pool() default "prefork";

    @AttributeDefinition(description = "workers of the pool; 0 = one per CPU (green: 1000) (Celery's worker_concurrency)")
    int concurrency() default 0;

    @AttributeDefinition(description = "default soft time limit in seconds; 0 = none (task_soft_time_limit)")
    double soft_time_limit() default 0;

    @AttributeDefinition(description = "default hard time limit in seconds; 0 = none (task_time_limit)")
    double time_limit() default 0;

    @AttributeDefinition(description = "recycle a child process after this many tasks; 0 = never (worker_max_tasks_per_child)")
    int max_tasks_per_child() default 0;

    @AttributeDefinition(description = "recycle a child process above this many KiB; 0 = never (worker_max_memory_per_child)")
    long max_memory_per_child() default 0;

    @AttributeDefinition(description = "post task PRERUN/POSTRUN/FAILURE events on Event Admin (Celery's -E)")
    boolean task_events() default false;

    @AttributeDefinition(description = "seconds a task waits for a pool when none is available before it fails")
    double pool_wait_timeout() default 30;

    @AttributeDefinition(description = "seconds running tasks get to finish when the worker stops, before they are cut off")
    double shutdown_grace() default 30;

    @AttributeDefinition(description = "MAX,MIN: grow the pool up to MAX workers while tasks wait, shrink to MIN when idle; "
            + "empty = off (Celery's --autoscale; pools that can resize)")
    String autoscale() default "";

    @AttributeDefinition(description = "seconds the pool stays grown after it last needed to be (Celery's AUTOSCALER_KEEPALIVE)")
    double autoscale_keepalive() default 30;

    @AttributeDefinition(description = "how many finished tasks' results the worker keeps for celeriac:result, oldest evicted first")
    int result_retention() default 1000;
}
