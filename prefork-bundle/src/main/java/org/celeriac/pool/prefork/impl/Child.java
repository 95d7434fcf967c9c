package org.celeriac.pool.prefork.impl;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import org.celeriac.pool.prefork.protocol.FrameCodec;
import org.celeriac.pool.prefork.protocol.JobSlots;

/**
 * One child process as the hub sees it. Confined to the hub thread, like everything the hub owns.
 *
 * <pre>
 *   SPAWNING --process started--> STARTING --HELLO(secret)--> CONNECTED --WORKER_UP--> UP
 *   UP --SHUTDOWN sent--> RETIRING --exit--> gone (retired)
 *   any --exit, EOF, protocol error, kill--> gone (lost: its running task fails, the rest is requeued)
 * </pre>
 */
final class Child {
    enum State { SPAWNING, STARTING, CONNECTED, UP, RETIRING }

    final int index;
    final String secret;
    final long spawnNanos = System.nanoTime();
    State state = State.SPAWNING;
    Process process;
    long pid = -1;
    SocketChannel channel;
    SelectionKey key;
    FrameCodec codec;
    /** Sent and not answered, oldest (the running one) first. */
    final ArrayDeque<PendingJob> outstanding = new ArrayDeque<>();
    final ArrayDeque<ByteBuffer> toWrite = new ArrayDeque<>();
    /** Who owns each task sent and not answered: shared with the process (see {@link JobSlots}). */
    JobSlots slots;
    /** TASK frames written to it so far: the next one's number. */
    long framesSent;
    /** TASK frames it has surely read: up to the one of its latest RESULT. */
    long framesRead;
    /** Its process has ended: what is read from it now, it wrote before. */
    boolean ended;
    long upNanos;
    long tasksDone;
    long rss = -1;
    /** Deadline (System.nanoTime) of the running task's hard limit, or 0. */
    long hardDeadline;
    /** Retire (SHUTDOWN) once its outstanding tasks are done: recycling, shrink, rolling restart. */
    boolean retireWhenIdle;
    /** Why it was retired (a {@code PoolEvents.REASON} value), once it is. */
    String retireReason;
    /** A warm spare: started and kept idle, never given work, promoted the moment a child is lost or retired. */
    boolean spare;
    /** The hub's task-set generation when this child was spawned: older children may lack newer tasks. */
    long generation;
    boolean gone;
    /** When its connection closed (System.nanoTime), or 0: it should exit within a grace period. */
    long eofNanos;

    Child(int index, String secret, boolean spare) {
        this.index = index;
        this.secret = secret;
        this.spare = spare;
    }

    boolean acceptsWork(int limit) {
        return state == State.UP && !retireWhenIdle && !spare && outstanding.size() < limit
                && framesSent - framesRead < slots.size(); // or a slot still in use would be reused
    }

    String describe() {
        return "child " + index + (pid > 0 ? " (pid " + pid + ")" : "");
    }
}
