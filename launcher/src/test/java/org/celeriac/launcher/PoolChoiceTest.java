package org.celeriac.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PoolChoiceTest {
    private static final List<String> INSTALLED = List.of("prefork", "threads", "green", "gevent", "eventlet", "solo");

    @Test
    void anInstalledNameOrAliasIsAccepted() {
        assertNull(PoolChoice.unknown("threads", INSTALLED));
        assertNull(PoolChoice.unknown("gevent", INSTALLED));
    }

    @Test
    void aTypoIsRefusedWithTheInstalledPoolsAndTheClosestOne() {
        String m = PoolChoice.unknown("thredas", INSTALLED);
        assertTrue(m.contains("installed: prefork, threads, green, gevent, eventlet, solo"), m);
        assertTrue(m.contains("did you mean 'threads'?"), m);
        assertFalse(PoolChoice.unknown("kubernetes", INSTALLED).contains("did you mean"), "no guess when nothing is close");
    }

    @Test
    void distanceCountsSingleCharacterEdits() {
        assertEquals(0, PoolChoice.distance("solo", "solo"));
        assertEquals(2, PoolChoice.distance("thredas", "threads"));
        assertEquals(3, PoolChoice.distance("", "abc"));
    }
}
