package org.celeriac.worker.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonArgsTest {

    @Test
    void readsJsonTextAndGogoLiterals() {
        assertEquals(List.of(2, 3), JsonArgs.args("[2, 3]"));
        assertEquals(List.of(2, 3), JsonArgs.args(List.of("2,3")), "Gogo's [2,3]");
        assertEquals(List.of(2, 3), JsonArgs.args(List.of("2", "3")), "Gogo's [2 3]");
        assertEquals(List.of("a", 1.5), JsonArgs.args(List.of("a", "1.5")), "bare words stay strings");
        assertEquals(Map.of("k", true), JsonArgs.kwargs("{\"k\": true}"));
    }

    @Test
    void badInputIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonArgs.args("[2,"))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonArgs.args("{\"a\": 1}"))
                .getMessage().contains("must be a JSON array"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonArgs.kwargs("[1]"))
                .getMessage().contains("must be a JSON object"));
    }
}
