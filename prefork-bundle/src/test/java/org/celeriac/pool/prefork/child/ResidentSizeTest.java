package org.celeriac.pool.prefork.child;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ResidentSizeTest {
    @Test
    void readsTheSecondFieldOfStatm() {
        assertEquals(2048, ResidentSize.secondField(ByteBuffer.wrap("10240 2048 512 1 0 300 0\n".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(-1, ResidentSize.secondField(ByteBuffer.wrap("10240".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void readingAgainFollowsTheProcessAndAgreesWithProc() throws Exception {
        if (!Files.isReadable(Path.of("/proc/self/statm"))) {
            return; // not Linux: the child reports -1, which the hub treats as unknown
        }
        ResidentSize rss = ResidentSize.open();
        long first = rss.bytes();
        assertTrue(first > 1 << 20, "a JVM keeps more than 1 MB resident: " + first);
        long viaText = Long.parseLong(Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+")[1]) * 4096;
        assertTrue(Math.abs(rss.bytes() - viaText) < 64L << 20, rss.bytes() + " vs " + viaText);
        // Fresh native memory, zeroed (so touched) when allocated: a heap array might land on pages the
        // collector had already made resident, and the process would not grow.
        ByteBuffer touched = ByteBuffer.allocateDirect(64 << 20);
        assertTrue(rss.bytes() > first + (32L << 20), "the same reader sees the process grow: " + first + " -> " + rss.bytes());
        assertEquals(0, touched.get(4096));
    }
}
