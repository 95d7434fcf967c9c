package org.celeriac.pool.prefork.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HubSpinTest {
    private static final long MAX = 50_000;

    @Test
    void shortSleepsGrowTheWindowToItsMaximum() {
        HubSpin spin = new HubSpin(MAX, 2);
        assertEquals(0, spin.window()); // a new hub sleeps at once
        spin.slept(30_000);
        assertEquals(HubSpin.START_NANOS, spin.window());
        spin.slept(30_000);
        assertEquals(20_000, spin.window());
        spin.slept(30_000);
        assertEquals(40_000, spin.window());
        spin.slept(90_000); // a sleep's idle time includes the wake-up: up to twice the window counts as soon
        assertEquals(MAX, spin.window());
        spin.slept(2 * MAX);
        assertEquals(MAX, spin.window());
    }

    @Test
    void longSleepsShrinkItToNothing() {
        HubSpin spin = new HubSpin(MAX, 2);
        for (int i = 0; i < 4; i++) {
            spin.slept(1_000);
        }
        assertEquals(MAX, spin.window());
        spin.slept(2 * MAX + 1);
        assertEquals(25_000, spin.window());
        spin.slept(1_000_000);
        assertEquals(12_500, spin.window());
        spin.slept(1_000_000);
        assertEquals(0, spin.window());
        spin.slept(1_000_000);
        assertEquals(0, spin.window());
    }

    @Test
    void aClosedWindowIsProbedNowAndThenAndOpensWhenTheProbeFindsWork() {
        HubSpin spin = new HubSpin(MAX, 2);
        for (int sleep = 1; sleep < HubSpin.PROBE_EVERY; sleep++) {
            assertEquals(0, spin.window());
            spin.slept(1_000_000);
        }
        assertEquals(HubSpin.START_NANOS, spin.window()); // the probe
        spin.slept(1_000_000); // in vain
        assertEquals(0, spin.window());
        for (int sleep = 2; sleep < HubSpin.PROBE_EVERY; sleep++) {
            spin.slept(1_000_000);
            assertEquals(0, spin.window());
        }
        assertEquals(HubSpin.START_NANOS, spin.window()); // the next probe
        spin.found();
        assertEquals(HubSpin.START_NANOS, spin.window());
        assertEquals(HubSpin.START_NANOS, spin.window()); // open now, not a probe
    }

    @Test
    void neverOnOneCpuOrWhenOff() {
        HubSpin single = new HubSpin(MAX, 1);
        HubSpin off = new HubSpin(0, 8);
        for (int i = 0; i < 2 * HubSpin.PROBE_EVERY; i++) {
            single.slept(1_000);
            off.slept(1_000);
            assertEquals(0, single.window()); // no probe either
            assertEquals(0, off.window());
        }
        assertEquals(0, single.window());
        assertEquals(0, off.window());
    }
}
