package org.celeriac.pool.prefork.impl;

import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * How other threads reach the hub: tasks and commands in two lock-free queues, and a wake-up of its selector
 * only when it may be sleeping (Netty's {@code wakenUp}: one {@code Selector.wakeup()} per sleep, not per
 * message).
 */
final class Mailbox {
    private final Selector selector;
    private final ConcurrentLinkedQueue<PendingJob> tasks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakenUp = new AtomicBoolean();

    Mailbox(Selector selector) {
        this.selector = selector;
    }

    void post(PendingJob job) {
        tasks.add(job);
        wake();
    }

    /** Takes a posted task back if the hub has not taken it yet. */
    boolean withdraw(PendingJob job) {
        return tasks.remove(job);
    }

    void post(Runnable command) {
        commands.add(command);
        wake();
    }

    private void wake() {
        if (wakenUp.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    // ---- the hub thread -----------------------------------------------------------------------------------

    /** Before the hub selects: whether it may sleep (nothing waits here); a message after this wakes it. */
    boolean readyToSleep() {
        wakenUp.set(false);
        return !hasWork();
    }

    /**
     * The hub looks for work without sleeping ({@link HubSpin}): messages need not wake it until the next
     * {@link #readyToSleep()}, which it calls before it sleeps.
     */
    void polling() {
        wakenUp.set(true);
    }

    /** Whether a task or a command waits. */
    boolean hasWork() {
        return !tasks.isEmpty() || !commands.isEmpty();
    }

    void runCommands() {
        for (Runnable r; (r = commands.poll()) != null; ) {
            r.run();
        }
    }

    void takeTasks(Consumer<PendingJob> to) {
        for (PendingJob j; (j = tasks.poll()) != null; ) {
            to.accept(j);
        }
    }

    boolean noTasks() {
        return tasks.isEmpty();
    }

    int taskCount() {
        return tasks.size();
    }
}
