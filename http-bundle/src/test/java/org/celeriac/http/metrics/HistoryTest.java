package org.celeriac.http.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class HistoryTest {
    @Test
    void throughputCountsPerSecondAndForgetsWhatFellOutOfTheWindow() {
        Throughput t = new Throughput(10);
        t.record(true, 100);
        t.record(true, 100);
        t.record(false, 100);
        t.record(true, 103);
        List<Throughput.Second> last = t.last(5, 104);
        assertEquals(List.of(new Throughput.Second(100, 2, 1), new Throughput.Second(101, 0, 0), new Throughput.Second(102, 0, 0),
                new Throughput.Second(103, 1, 0), new Throughput.Second(104, 0, 0)), last);
        t.record(true, 110); // the slot of second 100 comes round again: cleared first
        assertEquals(new Throughput.Second(110, 1, 0), t.last(1, 110).get(0));
        assertEquals(new Throughput.Second(100, 0, 0), t.last(10, 109).get(0), "second 100 was overwritten by second 110");
    }

    @Test
    void throughputLosesNoCountUnderConcurrentRecording() throws Exception {
        Throughput t = new Throughput(60);
        int threads = 4;
        int each = 100_000;
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            ts[i] = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < each; k++) {
                    t.record(k % 10 != 0, 500);
                }
            });
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        Throughput.Second s = t.last(1, 500).get(0);
        assertEquals(threads * each * 9L / 10, s.succeeded());
        assertEquals(threads * each / 10L, s.failed());
    }

    @Test
    void runTimePercentilesUseTheNearestRankOfTheKeptTimes() {
        RunTimes r = new RunTimes(100);
        assertArrayEquals(new long[0], r.percentiles(50));
        for (int i = 1; i <= 100; i++) {
            r.record(i);
        }
        assertArrayEquals(new long[] {50, 90, 99, 100}, r.percentiles(50, 90, 99, 100));
        for (int i = 0; i < 100; i++) {
            r.record(1000); // the oldest are overwritten
        }
        assertArrayEquals(new long[] {1000}, r.percentiles(50));
        assertEquals(100, r.size());
    }

    @Test
    void aLossCauseIsOneOfAFewWordsNeverTheDescription() {
        assertEquals("sigkill", LossCause.of("child 0 (pid 123) was killed by signal 9 (SIGKILL), last RSS 69 MiB"));
        assertEquals("signal", LossCause.of("child 1 (pid 9) was killed by signal 11 (SIGSEGV)"));
        assertEquals("out-of-memory", LossCause.of("child 2 (pid 7) ran out of memory (exit code 3 from -XX:+ExitOnOutOfMemoryError; raise option child.heap)"));
        assertEquals("exit", LossCause.of("child 3 (pid 8) exited with code 1"));
        assertEquals("unresponsive", LossCause.of("child 4 (pid 5) did not send WORKER_UP within PT4S"));
        assertEquals("other", LossCause.of(null));
    }
}
