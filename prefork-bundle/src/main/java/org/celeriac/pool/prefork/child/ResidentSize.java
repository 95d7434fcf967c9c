package org.celeriac.pool.prefork.child;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * This process's resident set size, from Linux's {@code /proc/self/statm} (its second field, in pages).
 * The file stays open and is read again from its start: one {@code pread} per reading. Opening it, reading
 * it as a String and splitting that with a regular expression each time cost a child as much as ~17 % of its
 * per-task time at 64 no-op tasks per reading (a JFR profile of two children at ~35k tasks/s each).
 */
final class ResidentSize {
    private static final long PAGE = 4096;
    private final FileChannel statm;
    private final ByteBuffer buffer = ByteBuffer.allocate(128);

    private ResidentSize(FileChannel statm) {
        this.statm = statm;
    }

    /** A reader, or one that always answers -1 where there is no {@code /proc} (not Linux). */
    static ResidentSize open() {
        try {
            return new ResidentSize(FileChannel.open(Path.of("/proc/self/statm"), StandardOpenOption.READ));
        } catch (IOException | UnsupportedOperationException e) {
            return new ResidentSize(null);
        }
    }

    /** Resident set size in bytes, or -1 if it cannot be read. */
    long bytes() {
        if (statm == null) {
            return -1;
        }
        try {
            buffer.clear();
            if (statm.read(buffer, 0) <= 0) {
                return -1;
            }
            return secondField(buffer.flip()) * PAGE;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The second space-separated decimal field of {@code b} ("size resident shared ..."), or -1. */
    static long secondField(ByteBuffer b) {
        int i = b.position();
        while (i < b.limit() && b.get(i) != ' ') {
            i++;
        }
        i++;
        long value = 0;
        int digits = 0;
        for (; i < b.limit() && b.get(i) >= '0' && b.get(i) <= '9'; i++, digits++) {
            value = value * 10 + (b.get(i) - '0');
        }
        return digits == 0 ? -1 : value;
    }
}
