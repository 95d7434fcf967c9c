package org.celeriac.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's CPU time (user + system), read from Linux's {@code /proc/<pid>/stat}: where a benchmark's time
 * goes when several processes share the machine's cores. The kernel counts in clock ticks of 10 ms
 * ({@code USER_HZ} = 100, which Linux fixes for user space), so measure intervals of a second or more.
 */
final class ProcessCpu {
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcessCpu() {
    }

    /**
     * CPU nanoseconds this process and its descendants but {@code except} (a worker's prefork children, a
     * Celery worker the benchmark started; not the Redis it started) have used so far; a descendant that
     * ended meanwhile no longer counts.
     */
    static long selfAndDescendantsExcept(long except) {
        ProcessHandle self = ProcessHandle.current();
        return nanos(self.pid()) + self.descendants().filter(p -> p.pid() != except)
                .mapToLong(p -> Math.max(0, nanos(p.pid()))).sum();
    }

    /** CPU nanoseconds {@code pid} has used so far, or -1 where {@code /proc} cannot tell (not Linux, gone). */
    static long nanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name, which is in parentheses and may contain spaces: utime is the 14th
            // field of the line, stime the 15th (proc(5)), the 12th and 13th after ") ".
            String[] f = stat.substring(stat.lastIndexOf(") ") + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
