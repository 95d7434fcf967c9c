package org.celeriac.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The argument text is found with Gogo's own parser, as typed, or not at all when it is ambiguous. */
class TypedArgumentsTest {

    @Test
    void findsTheArgumentsAsTyped() {
        assertEquals(Optional.of(List.of("echo", "[\"hello\",\"world\"]")),
                TypedArguments.of("celeriac:send echo [\"hello\",\"world\"]", "send"));
        assertEquals(Optional.of(List.of("echo", "[[1,2],{\"k\":\"v\"}]", "{\"x\": [1, \"a b\"]}")),
                TypedArguments.of("send echo [[1,2],{\"k\":\"v\"}] {\"x\": [1, \"a b\"]}", "send"));
        assertEquals(Optional.of(List.of("echo", "'[\"a, b\"]'")),
                TypedArguments.of("celeriac:send echo '[\"a, b\"]'", "send"), "quotes kept: the caller knows it is a string");
    }

    @Test
    void findsThemInAssignmentsSubExpressionsAndClosures() {
        assertEquals(Optional.of(List.of("add", "[20,22]")), TypedArguments.of("x = celeriac:send add [20,22]", "send"));
        assertEquals(Optional.of(List.of("add", "[1, 2]")),
                TypedArguments.of("celeriac:result (celeriac:send add [1, 2]) 5", "send"));
        assertEquals(Optional.of(List.of("add", "[1,2]")), TypedArguments.of("each [1 2] { send add [1,2] }", "send"));
        assertEquals(Optional.of(List.of("echo", "[[1,2],{\"k\":\"v\"},\"a, b\",-1.5e3,false]")),
                TypedArguments.of("celeriac:result (celeriac:send echo [[1,2],{\"k\":\"v\"},\"a, b\",-1.5e3,false]) 10", "send"));
    }

    @Test
    void ambiguousOrAbsentGivesNothing() {
        assertEquals(Optional.empty(), TypedArguments.of("send a [1]; send a [2]", "send"));
        assertEquals(Optional.of(List.of("a", "[1]")), TypedArguments.of("send a [1]; send a [1]", "send"), "the same text twice");
        assertEquals(Optional.empty(), TypedArguments.of("lb", "send"));
    }
}
