package org.celeriac.pool.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

class TaskRequestTest {

    @Test
    void argumentsAreDeepCopiedAndFrozen() {
        List<Object> inner = new ArrayList<>(List.of(1, 2));
        Map<String, Object> kw = new HashMap<>(Map.of("xs", inner));
        TaskRequest r = TaskRequest.builder("t").args(Arrays.asList(null, "s", 1.5, true, inner)).kwargs(kw).build();
        inner.add(3);
        kw.put("late", 1);
        assertEquals(List.of(1, 2), r.args().get(4));
        assertEquals(Map.of("xs", List.of(1, 2)), r.kwargs());
        assertThrows(UnsupportedOperationException.class, () -> r.args().add(1));
        assertEquals(36, r.id().length());
        TaskRequest.Builder b = TaskRequest.builder("t");
        assertEquals(b.build().id(), b.build().id(), "one builder, one id");
        assertEquals("given", TaskRequest.builder("t").id("given").build().id());
    }

    @Test
    void badValuesAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TaskRequest.of("t", List.of(Map.of(1, 2))))
                .getMessage().contains("non-String key"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TaskRequest.builder("t").softTimeLimit(Duration.ofSeconds(2)).timeLimit(Duration.ofSeconds(1)).build())
                .getMessage().contains("exceeds"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TaskRequest.builder("t").timeLimit(Duration.ZERO).build()).getMessage().contains("positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TaskRequest.builder("t").id("").build())
                .getMessage().contains("task id"));
        assertThrows(IllegalArgumentException.class, () -> PoolConfig.DEFAULTS.withMaxTasksPerChild(-1));
    }

    @Test
    void deeplyNestedPayloadsAreRefused() {
        Object nested = List.of();
        for (int i = 0; i < 100; i++) {
            nested = List.of(nested);
        }
        Object deep = nested;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TaskRequest.of("t", deep))
                .getMessage().contains("nested deeper"));
    }
}
