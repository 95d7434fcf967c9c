package org.celeriac.pool.prefork.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.celeriac.pool.api.PoolConfig;
import org.junit.jupiter.api.Test;

class PreforkOptionsTest {
    private static PreforkOptions options(Map<String, String> o) {
        return PreforkOptions.from(PoolConfig.ofConcurrency(2).withOptions(o));
    }

    @Test
    void defaults() {
        PreforkOptions o = options(Map.of());
        assertEquals(16, o.prefetch());
        assertEquals(1, o.spareChildren());
        assertEquals(Duration.ofNanos(50_000), o.hubSpin());
    }

    @Test
    void theHubsPollingCanBeTurnedOffAndIsBoundedByTheTimersMillisecond() {
        assertEquals(Duration.ZERO, options(Map.of("hub.spin.micros", "0")).hubSpin());
        assertEquals(Duration.ofNanos(200_000), options(Map.of("hub.spin.micros", "200")).hubSpin());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> options(Map.of("hub.spin.micros", "-1")));
        assertTrue(e.getMessage().contains("hub.spin.micros"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> options(Map.of("hub.spin.micros", "1001")));
        assertTrue(e.getMessage().contains("at most 1000"), e.getMessage());
    }
}
