package org.celeriac.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON a person types is the JSON the task gets, or an error that says how to quote it. */
class JsonArgsTest {

    @Test
    void quotedJsonIsReadFromGogosString() {
        assertEquals(List.of(2, 3), JsonArgs.args("[2, 3]", "'[2, 3]'"));
        assertEquals(List.of("hello", "world"), JsonArgs.args("[\"hello\",\"world\"]", null));
        assertEquals(Map.of("k", true), JsonArgs.kwargs("{\"k\": true}", "'{\"k\": true}'"));
        // Gogo spread a list over the command's tail, so no value lines up: the single-quoted text is enough.
        assertEquals(List.of("a b", 1), JsonArgs.args(null, "'[\"a b\", 1]'"));
    }

    @Test
    void unquotedJsonIsReadFromTheTypedText() {
        // What Gogo hands over for ["hello","world"] is one element "hello,world"; the typed text decides.
        assertEquals(List.of("hello", "world"), JsonArgs.args(List.of("hello,world"), "[\"hello\",\"world\"]"));
        assertEquals(List.of(List.of(1, 2), Map.of("k", "v")), JsonArgs.args(List.of("x"), "[[1,2],{\"k\":\"v\"}]"));
        assertEquals(Arrays.asList("a, b", "c d", 1.5, -7, null, true, false),
                JsonArgs.args(List.of("x"), "[\"a, b\", \"c d\", 1.5, -7, null, true, false]"));
        assertEquals(Map.of("n", List.of(1, Map.of("deep", "x y"))), JsonArgs.kwargs(new Object(), "{\"n\":[1,{\"deep\":\"x y\"}]}"));
    }

    @Test
    void aGogoListWithoutItsTextIsRefusedWithTheQuotedFormToUse() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonArgs.args(List.of("hello,world"), null));
        assertTrue(e.getMessage().contains("quote the JSON in single quotes"), e.getMessage());
        assertTrue(e.getMessage().contains("'[\"hello\", \"world\"]'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JsonArgs.kwargs(Map.of("k", "v"), null));
        assertTrue(e.getMessage().contains("own map"), e.getMessage());
    }

    @Test
    void badInputIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonArgs.args("[2,", "'[2,'"))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonArgs.args(List.of(), "[$x,1]"))
                .getMessage().contains("double quotes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonArgs.args("{\"a\": 1}", null))
                .getMessage().contains("must be a JSON array"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonArgs.kwargs("[1]", null))
                .getMessage().contains("must be a JSON object"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonArgs.args("[1] [2]", null))
                .getMessage().contains("not valid JSON"), "one JSON value, not two");
    }
}
