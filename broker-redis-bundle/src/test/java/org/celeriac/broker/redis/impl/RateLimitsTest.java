package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimitsTest {

    @Test
    void readsRatesAsCeleryWritesThem() {
        assertEquals(Duration.ofMillis(100), RateLimits.interval("10/s"));
        assertEquals(Duration.ofMillis(600), RateLimits.interval("100/m"));
        assertEquals(Duration.ofMillis(3600), RateLimits.interval("1000/h"));
        assertEquals(Duration.ofMillis(500), RateLimits.interval("2"), "a bare number is per second");
        assertNull(RateLimits.interval("0"));
        assertNull(RateLimits.interval(""));
        assertThrows(IllegalArgumentException.class, () -> RateLimits.interval("10/d"));
        assertThrows(IllegalArgumentException.class, () -> RateLimits.interval("fast"));
    }

    @Test
    void startsAreSpacedByTheIntervalTheFirstAtOnceAndNothingIsRefused() {
        RateLimits rates = new RateLimits();
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(now, rates.reserve("add", now), "no limit: at once");
        assertTrue(rates.set("add", "10/s"));
        assertEquals(now, rates.reserve("add", now));
        assertEquals(now.plusMillis(100), rates.reserve("add", now));
        assertEquals(now.plusMillis(200), rates.reserve("add", now));
        assertEquals(now.plusSeconds(5), rates.reserve("add", now.plusSeconds(5)), "a later ETA is its own start");
        assertEquals("10/s", rates.rate("add"));
        assertFalse(rates.set("add", "0"));
        assertEquals(now, rates.reserve("add", now));
    }
}
