package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.WorkerLostException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;

/**
 * The prefork pool's service, from a real Felix with SCR and the example and fault task bundles: its
 * children load those bundles, and every fault stays in the child that met it.
 */
class PreforkPoolIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private FelixContainer felix;
    private ServiceObjects<BasePool> objects;
    private BasePool pool;

    @BeforeEach
    void boot() throws Exception {
        felix = FelixContainer.start(true);
        felix.bundle("org.celeriac.worker").stop(); // the pool alone: no worker children competing for the cores
        felix.install(FelixContainer.extraBundle("celeriac-example-faults.jar"));
        felix.install(FelixContainer.extraBundle("celeriac-prefork.jar"));
        felix.awaitService("org.celeriac.pool.api.Task", "(task.name=append)", WAIT);
        @SuppressWarnings("unchecked")
        ServiceReference<BasePool> ref = (ServiceReference<BasePool>) felix.awaitService(BasePool.class.getName(), "(pool.name=prefork)", WAIT);
        objects = felix.context().getServiceObjects(ref);
        pool = objects.getService();
    }

    @AfterEach
    void shutdown() throws Exception {
        objects.ungetService(pool);
        felix.close();
    }

    private static Throwable failure(TaskHandle h) {
        return assertThrows(ExecutionException.class, () -> h.await(WAIT)).getCause();
    }

    private static long number(TaskHandle h) throws Exception {
        return ((Number) h.await(WAIT)).longValue();
    }

    private long childPid(TaskHandle h) throws Exception {
        FelixContainer.await("task " + h.taskId() + " started in a child", WAIT, () -> h.workerId() != null);
        return Long.parseLong(h.workerId());
    }

    @Test
    void faultsStayInTheirChild() throws Exception {
        pool.start(PoolConfig.ofConcurrency(2).withOptions(Map.of("child.heap", "32m")));
        long parent = ProcessHandle.current().pid();
        assertNotEquals(parent, number(pool.applyAsync(TaskRequest.of("pid"))));

        TaskHandle victim = pool.applyAsync(TaskRequest.of("wait", 30));
        long pid = childPid(victim);
        TaskHandle bystander = pool.applyAsync(TaskRequest.of("sleep", 0.2));
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        WorkerLostException killed = assertInstanceOf(WorkerLostException.class, failure(victim));
        assertTrue(killed.getMessage().contains("pid " + pid) && killed.getMessage().contains("SIGKILL"), killed.getMessage());
        assertEquals(0.2, bystander.await(WAIT), "the other child's task is not affected");

        WorkerLostException exit = assertInstanceOf(WorkerLostException.class, failure(pool.applyAsync(TaskRequest.of("exit", 7))));
        assertTrue(exit.getMessage().contains("exited with code 7"), exit.getMessage());
        WorkerLostException oom = assertInstanceOf(WorkerLostException.class, failure(pool.applyAsync(TaskRequest.of("oom"))));
        assertTrue(oom.getMessage().contains("ran out of memory"), oom.getMessage());
        // Exit code 3 is also what -XX:+ExitOnOutOfMemoryError uses: a task's System.exit(3) is not an OOM.
        WorkerLostException three = assertInstanceOf(WorkerLostException.class, failure(pool.applyAsync(TaskRequest.of("exit", 3))));
        assertTrue(three.getMessage().contains("exited with code 3 (System.exit") && !three.getMessage().contains("memory"),
                three.getMessage());
        assertEquals(5L, number(pool.applyAsync(TaskRequest.of("add", 2, 3))), "the pool replaced its children");
    }

    @Test
    void aWarmSpareReplacesALostChildAtOnce() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        FelixContainer.await("a spare child is up", WAIT,
                () -> pool.stats().workers().stream().anyMatch(w -> w.state().equals("spare")));
        long spare = Long.parseLong(pool.stats().workers().stream().filter(w -> w.state().equals("spare"))
                .findFirst().orElseThrow().id());
        TaskHandle victim = pool.applyAsync(TaskRequest.of("wait", 30));
        TaskHandle next = pool.applyAsync(TaskRequest.of("pid"));
        ProcessHandle.of(childPid(victim)).orElseThrow().destroyForcibly();
        assertInstanceOf(WorkerLostException.class, failure(victim));
        assertEquals(spare, number(next), "the queued task ran on the promoted spare, not on a child started later");
    }

    @Test
    void softAndHardTimeLimits() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        TaskHandle soft = pool.applyAsync(TaskRequest.builder("sleep").args(List.of(30)).softTimeLimit(Duration.ofMillis(200)).build());
        assertInstanceOf(SoftTimeLimitExceededException.class, failure(soft));
        TaskHandle hard = pool.applyAsync(TaskRequest.builder("spin").args(List.of(60)).timeLimit(Duration.ofMillis(300)).build());
        long pid = childPid(hard);
        TimeLimitExceededException h = assertInstanceOf(TimeLimitExceededException.class, failure(hard));
        assertTrue(h.getMessage().contains("was killed"), h.getMessage());
        FelixContainer.await("the spinning child is gone", WAIT, () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        assertEquals(3L, number(pool.applyAsync(TaskRequest.of("add", 1, 2))));
    }

    @Test
    void maxTasksPerChildRecyclesChildren() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1).withMaxTasksPerChild(2));
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            pids.add(number(pool.applyAsync(TaskRequest.of("pid"))));
        }
        assertEquals(3, pids.size(), "a fresh child every two tasks: " + pids);
    }

    @Test
    void growShrinkAndRestartWhileTasksRunLoseNothing() throws Exception {
        pool.start(PoolConfig.ofConcurrency(2));
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            handles.add(pool.applyAsync(TaskRequest.of("sleep", 0.005)));
            if (i == 50) {
                pool.grow(1);
            } else if (i == 150) {
                pool.shrink(2);
            } else if (i == 200) {
                pool.restart();
            }
        }
        for (TaskHandle h : handles) {
            assertEquals(0.005, h.await(WAIT));
        }
        assertEquals(1, pool.stats().concurrency());
    }

    @Test
    void tenThousandNoOpTasksThroughTwoChildrenCompleteExactlyOnce() throws Exception {
        pool.start(PoolConfig.ofConcurrency(2));
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            handles.add(pool.applyAsync(TaskRequest.of("echo", i)));
        }
        for (int i = 0; i < handles.size(); i++) {
            assertEquals(List.of(i), handles.get(i).await(WAIT));
        }
        assertEquals(10_000, pool.stats().completed());
    }
}
