package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.PoolEvents;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRegistry;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.UnknownTaskException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/** Pools driven through their OSGi services, with SCR, Event Admin and the example task bundle. */
class PoolsInFelixIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private FelixContainer felix;

    @BeforeEach
    void boot() throws Exception {
        felix = FelixContainer.start(true);
    }

    @AfterEach
    void shutdown() throws Exception {
        felix.close();
    }

    private ServiceObjects<BasePool> poolService(String name) throws Exception {
        @SuppressWarnings("unchecked")
        ServiceReference<BasePool> ref = (ServiceReference<BasePool>)
                felix.awaitService(BasePool.class.getName(), "(pool.name=" + name + ")", WAIT);
        return felix.context().getServiceObjects(ref);
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "green", "gevent", "eventlet", "solo"})
    void aTaskFromTheExampleBundleRunsOnEachPool(String name) throws Exception {
        felix.awaitService("org.celeriac.pool.api.Task", "(task.name=add)", WAIT);
        ServiceObjects<BasePool> objects = poolService(name);
        BasePool pool = objects.getService();
        try {
            pool.start(PoolConfig.DEFAULTS);
            assertEquals(5L, pool.applyAsync(TaskRequest.of("add", 2, 3)).await(WAIT));
            assertEquals(List.of("x"), pool.applyAsync(TaskRequest.of("echo", "x")).await(WAIT));
            TaskHandle unknown = pool.applyAsync(TaskRequest.of("no.such.task"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> unknown.await(WAIT));
            assertInstanceOf(UnknownTaskException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("no.such.task"), e.getCause().getMessage());
        } finally {
            objects.ungetService(pool);
        }
        assertEquals(PoolState.TERMINATE, pool.state(), "releasing the service object closes the pool");
    }

    @Test
    void eachServiceObjectIsAnIndependentPool() throws Exception {
        ServiceObjects<BasePool> objects = poolService("threads");
        BasePool a = objects.getService();
        BasePool b = objects.getService();
        assertNotEquals(System.identityHashCode(a), System.identityHashCode(b));
        a.start(PoolConfig.ofConcurrency(1));
        b.start(PoolConfig.ofConcurrency(3));
        assertEquals(1, a.stats().concurrency());
        assertEquals(3, b.stats().concurrency());
        objects.ungetService(a);
        objects.ungetService(b);
    }

    @Test
    void lifecycleEventsArePostedThroughEventAdmin() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, new String[] {"org/celeriac/*"});
        felix.context().registerService(EventHandler.class, event -> {
            seen.add(event.getTopic() + ":" + event.getProperty(PoolEvents.POOL));
        }, props);

        ServiceObjects<BasePool> objects = poolService("green");
        BasePool pool = objects.getService();
        pool.start(PoolConfig.DEFAULTS.withTaskEvents(true));
        pool.applyAsync(TaskRequest.of("add", 1, 1)).await(WAIT);
        pool.stop().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // Event Admin delivers asynchronously and orders only the events of one posting thread.
        List<String> expected = List.of(PoolEvents.TOPIC_POOL_STARTED + ":green", PoolEvents.TOPIC_POOL_STOPPED + ":green",
                PoolEvents.TOPIC_TASK_PRERUN + ":green", PoolEvents.TOPIC_TASK_POSTRUN + ":green");
        FelixContainer.await("events " + expected + " (saw " + seen + ")", WAIT, () -> seen.containsAll(expected));
        objects.ungetService(pool);
    }

    @Test
    void stoppingAPoolBundleUnregistersItsServiceAndFinishesItsTasks() throws Exception {
        ServiceObjects<BasePool> objects = poolService("threads");
        BasePool pool = objects.getService();
        pool.start(PoolConfig.ofConcurrency(2));
        List<TaskHandle> inFlight = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            inFlight.add(pool.applyAsync(TaskRequest.of("sleep", 0.05)));
        }
        Bundle threads = felix.bundle("org.celeriac.threads");
        threads.stop();
        assertTrue(felix.services(BasePool.class.getName(), "(pool.name=threads)").isEmpty());
        for (TaskHandle h : inFlight) {
            assertEquals(0.05, h.await(WAIT), "a task accepted before the bundle stopped completes");
        }
        assertEquals(PoolState.TERMINATE, pool.state());
        threads.start();
        felix.awaitService(BasePool.class.getName(), "(pool.name=threads)", WAIT);
    }

    @Test
    void theRegistryFollowsTaskBundles() throws Exception {
        @SuppressWarnings("unchecked")
        ServiceReference<TaskRegistry> ref = (ServiceReference<TaskRegistry>)
                felix.awaitService(TaskRegistry.class.getName(), null, WAIT);
        TaskRegistry registry = felix.context().getService(ref);
        felix.awaitService("org.celeriac.pool.api.Task", "(task.name=add)", WAIT);
        assertTrue(registry.names().containsAll(Set.of("add", "tasks.add", "echo", "sleep", "fail", "cpu", "pid", "spin")));
        felix.bundle("org.celeriac.example-tasks").stop();
        assertEquals(Set.of("celery.map", "celery.starmap"), Set.copyOf(registry.names()),
                "tasks of a stopped bundle are gone; Celery's built-ins (their own bundle) stay");
        assertThrows(UnknownTaskException.class, () -> registry.lookup("add"));
    }
}
