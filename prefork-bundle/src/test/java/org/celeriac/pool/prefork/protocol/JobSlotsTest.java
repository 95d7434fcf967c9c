package org.celeriac.pool.prefork.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two mappings of one file, as the worker and a child hold it: each task is started or taken back, never both. */
class JobSlotsTest {
    @TempDir
    Path dir;

    @Test
    void aTaskIsStartedOrTakenBackNeverBoth() throws Exception {
        JobSlots worker = JobSlots.create(dir.resolve("slots"), 64);
        JobSlots child = JobSlots.open(dir.resolve("slots"));
        assertEquals(64, child.size());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("slots"))));

        worker.sent(0, 7);
        assertTrue(child.start(0, 7));
        assertFalse(worker.takeBack(0, 7), "started: the child owns it");

        worker.sent(1, 8);
        assertTrue(worker.takeBack(1, 8));
        assertTrue(worker.takeBack(1, 8), "taking back twice is still taken back");
        assertFalse(child.start(1, 8), "taken back: the child skips it");

        worker.sent(65, 9); // word 1 again, a later task: the earlier one's state does not leak into it
        assertTrue(child.start(65, 9));
    }

    @Test
    void aWordThatHoldsAnotherJobIsAProtocolError() throws Exception {
        JobSlots worker = JobSlots.create(dir.resolve("slots"), 64);
        JobSlots child = JobSlots.open(dir.resolve("slots"));
        worker.sent(3, 11);
        assertThrows(ProtocolException.class, () -> child.start(3, 12));
    }

    /** The race itself, many times over, from two threads through two mappings: exactly one side wins each. */
    @Test
    void racingStartAndTakeBackHaveExactlyOneWinner() throws Exception {
        JobSlots worker = JobSlots.create(dir.resolve("slots"), 64);
        JobSlots child = JobSlots.open(dir.resolve("slots"));
        int rounds = 20_000;
        AtomicInteger started = new AtomicInteger();
        AtomicInteger takenBack = new AtomicInteger();
        CyclicBarrier go = new CyclicBarrier(2);
        Thread childThread = new Thread(() -> {
            try {
                for (int i = 1; i <= rounds; i++) {
                    go.await();
                    if (child.start(i, i)) {
                        started.incrementAndGet();
                    }
                    go.await();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        for (int i = 1; i <= rounds; i++) {
            worker.sent(i, i); // before the child's turn, as the worker writes the word before the frame
            if (i == 1) {
                childThread.start();
            }
            go.await();
            if (worker.takeBack(i, i)) {
                takenBack.incrementAndGet();
            }
            go.await();
        }
        childThread.join();
        assertEquals(rounds, started.get() + takenBack.get());
    }
}
