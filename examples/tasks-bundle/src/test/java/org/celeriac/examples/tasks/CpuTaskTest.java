package org.celeriac.examples.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskContext;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

class CpuTaskTest {
    /** FNV-1a over the counter, written the obvious way: what the chunked loop must return. */
    private static long reference(long iterations) {
        long h = 0xcbf29ce484222325L;
        for (long i = 0; i < iterations; i++) {
            h = (h ^ i) * 0x100000001b3L;
        }
        return h;
    }

    @Test
    void theChunkedLoopHashesLikeThePlainOneAtEveryChunkBoundary() {
        for (long n : new long[] {0, 1, 65_535, 65_536, 65_537, 3 * 65_536 + 1, 1_000_000}) {
            assertEquals(reference(n), new CpuTask().call(new Limit(Integer.MAX_VALUE), List.of(n), Map.of()), "iterations " + n);
        }
    }

    @Test
    void theSoftLimitIsLookedAtEvery64kIterations() {
        Limit limit = new Limit(Integer.MAX_VALUE);
        new CpuTask().call(limit, List.of(3 * 65_536L + 1), Map.of());
        assertEquals(4, limit.looks); // before iterations 0, 65 536, 131 072 and 196 608
        Limit fired = new Limit(2);
        assertThrows(SoftTimeLimitExceededException.class, () -> new CpuTask().call(fired, List.of(1_000_000L), Map.of()));
        assertEquals(3, fired.looks); // it stopped at the first look after the limit fired
    }

    /** A context whose soft limit fires after {@code allowed} looks. */
    private static final class Limit implements TaskContext {
        private final int allowed;
        int looks;

        Limit(int allowed) {
            this.allowed = allowed;
        }

        @Override
        public void checkSoftTimeLimit() {
            if (++looks > allowed) {
                throw new SoftTimeLimitExceededException("soft limit");
            }
        }

        @Override
        public boolean isCancelled() {
            return looks > allowed;
        }

        @Override
        public TaskRequest request() {
            return TaskRequest.of("cpu");
        }

        @Override
        public String workerId() {
            return "test";
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("cpu");
        }
    }
}
