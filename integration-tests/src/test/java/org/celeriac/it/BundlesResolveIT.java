package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.BundleRevision;

/**
 * The built bundles in a framework that shares nothing with the test's class path, as in production: they
 * resolve, start, and register their services with the documented properties.
 */
class BundlesResolveIT {
    private static final String BASE_POOL = "org.celeriac.pool.api.BasePool";
    private static FelixContainer felix;

    @BeforeAll
    static void boot() throws Exception {
        felix = FelixContainer.start(false);
        felix.install(FelixContainer.extraBundle("celeriac-prefork.jar"));
    }

    @AfterAll
    static void shutdown() throws Exception {
        felix.close();
    }

    @Test
    void everyBundleResolvesAndStarts() {
        for (Bundle b : felix.context().getBundles()) {
            assertEquals(Bundle.ACTIVE, b.getState(), b.getSymbolicName() + " is not ACTIVE");
        }
    }

    @Test
    void fourPoolsRegisterWithTheirProperties() throws Exception {
        felix.awaitService(BASE_POOL, "(pool.name=solo)", Duration.ofSeconds(10));
        Map<String, ServiceReference<?>> byName = new TreeMap<>();
        for (ServiceReference<?> ref : felix.services(BASE_POOL, null)) {
            Object names = ref.getProperty("pool.name");
            byName.put(names instanceof String[] a ? a[0] : (String) names, ref);
        }
        assertEquals(List.of("green", "prefork", "solo", "threads"), List.copyOf(byName.keySet()));
        assertEquals(100, byName.get("prefork").getProperty(Constants.SERVICE_RANKING), "prefork ranks highest");

        ServiceReference<?> green = byName.get("green");
        assertArrayEquals(new String[] {"green", "gevent", "eventlet"}, (String[]) green.getProperty("pool.name"));
        assertEquals(Boolean.TRUE, green.getProperty("pool.green"));
        assertEquals(Boolean.FALSE, green.getProperty("pool.signal.safe"));
        assertEquals(Boolean.FALSE, byName.get("threads").getProperty("pool.green"));
        assertEquals(Boolean.TRUE, byName.get("solo").getProperty("pool.signal.safe"));
        for (ServiceReference<?> ref : byName.values()) {
            assertEquals(Constants.SCOPE_PROTOTYPE, ref.getProperty(Constants.SERVICE_SCOPE), ref + " scope");
            assertTrue(ref.getProperty(Constants.SERVICE_RANKING) instanceof Integer, ref + " ranking");
        }
    }

    @Test
    void poolBundlesWireTheApiFromTheApiBundle() {
        Bundle threads = felix.bundle("org.celeriac.threads");
        BundleWiring wiring = threads.adapt(BundleWiring.class);
        List<BundleWire> wires = wiring.getRequiredWires(BundleRevision.PACKAGE_NAMESPACE);
        BundleWire api = wires.stream()
                .filter(w -> "org.celeriac.pool.api".equals(w.getCapability().getAttributes().get("osgi.wiring.package")))
                .findFirst().orElseThrow();
        assertEquals("org.celeriac.api", api.getProvider().getSymbolicName());
    }

    @Test
    void exampleTasksAndTheRegistryRegister() throws Exception {
        felix.awaitService("org.celeriac.pool.api.Task", "(task.name=add)", Duration.ofSeconds(10));
        felix.awaitService("org.celeriac.pool.api.TaskRegistry", null, Duration.ofSeconds(10));
        felix.awaitService("org.celeriac.pool.spi.PoolEnvironment", null, Duration.ofSeconds(10));
    }
}
