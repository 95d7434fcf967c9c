package org.celeriac.pool.prefork.protocol;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Who owns a task sent to a child and not yet answered: the child, once it starts it, or the worker, once
 * it takes it back. Both processes map the same small file (in the hub's private 0700 directory) and settle
 * each task with one compare-and-set on a shared word, so a task is started <em>or</em> taken back, never
 * both, without a message or a system call on either side.
 *
 * <p>The worker numbers the TASK frames it writes to a child 0, 1, 2, …; the child counts the frames it
 * reads the same way. Frame {@code n} uses word {@code n % size()}, which holds:
 * <pre>
 *   job                 sent, not started   (written by the worker before it writes the frame)
 *   job | STARTED       the child runs it   (child: CAS from job)
 *   job | TAKEN         the worker has it   (worker: CAS from job; the child skips the frame and never answers it)
 * </pre>
 * Job numbers are unique and below 2<sup>61</sup>, so a word never reads as a previous task's. The worker
 * reuses word {@code n % size()} only once it knows the child has read frame {@code n - size()} (see
 * {@link #size()}).
 *
 * <p>Why shared memory: taking a task back by message would need the child to read its socket while a task
 * runs — a second thread, and a thread hand-off on every task's round trip, which is what the single-threaded
 * child exists to avoid.
 */
public final class JobSlots {
    /** Set by the child in a task's word when it starts the task. */
    public static final long STARTED = 1L << 62;
    /** Set by the worker in a task's word when it takes the task back. */
    public static final long TAKEN = 1L << 61;
    private static final VarHandle WORDS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final Path file;
    private final MappedByteBuffer words;
    private final int size;

    private JobSlots(Path file, MappedByteBuffer words) {
        this.file = file;
        this.words = words;
        this.size = words.capacity() / Long.BYTES;
    }

    /** The worker's side: creates the file (this user only) with {@code size} words, all empty. */
    public static JobSlots create(Path file, int size) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return new JobSlots(file, ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) size * Long.BYTES));
        }
    }

    /** The child's side: maps the file the worker created. */
    public static JobSlots open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long bytes = ch.size();
            if (bytes < Long.BYTES || bytes % Long.BYTES != 0 || bytes > Integer.MAX_VALUE) {
                throw new IOException("not a job slot file (" + bytes + " bytes): " + file);
            }
            return new JobSlots(file, ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes));
        }
    }

    public Path file() {
        return file;
    }

    /**
     * How many words: the most TASK frames the worker may have written that the child has not read yet.
     * Frames taken back are never answered, so the worker counts the child as having read everything up to
     * the frame of its latest RESULT, and writes no frame that would reuse a word beyond that.
     */
    public int size() {
        return size;
    }

    private int offset(long frame) {
        return (int) (frame % size) * Long.BYTES;
    }

    /** Worker: frame {@code frame} carries {@code job}; call before writing the frame. */
    public void sent(long frame, long job) {
        WORDS.setRelease(words, offset(frame), job);
    }

    /** Worker: takes the task back unless the child has started it; {@code true} if it was taken back (or was already). */
    public boolean takeBack(long frame, long job) {
        return WORDS.compareAndSet(words, offset(frame), job, job | TAKEN)
                || (long) WORDS.getVolatile(words, offset(frame)) == (job | TAKEN);
    }

    /**
     * Child: starts the task unless the worker has taken it back; {@code true} if the child owns it now,
     * {@code false} if the worker does (the child skips the frame).
     */
    public boolean start(long frame, long job) throws ProtocolException {
        long word = (long) WORDS.compareAndExchange(words, offset(frame), job, job | STARTED);
        if (word == job) {
            return true;
        }
        if (word == (job | TAKEN)) {
            return false;
        }
        throw new ProtocolException("frame " + frame + " carries job " + job + " but its slot holds " + Long.toHexString(word));
    }
}
