package org.celeriac.pool.prefork.impl;

/**
 * How long the hub looks for work before it sleeps: KVM's adaptive halt polling, applied to the hub's
 * selector. A sleeping hub costs two thread wake-ups per round trip (the submitter waking it, the child's
 * RESULT waking it), and on virtual machines a wake-up of an idle CPU costs 10–30 µs: more than the rest of
 * a no-op's round trip. Polling for a few tens of microseconds before sleeping removes both when work comes
 * that soon; when it does not, the window shrinks to nothing, so an idle hub, or one whose children run
 * long tasks, never polls.
 *
 * <p>The window is in {@code [0, max]}; after each sleep the hub reports how long it was idle in all
 * (polling, sleeping and waking up) before work came. A sleep's idle time includes the wake-up the poll
 * would have saved, so work that came within twice the longest window counts as soon:
 * <pre>
 *   idle ≤ 2 max  (work came soon)                    window: 0 → {@value #START_NANOS} ns, else doubled, at most max
 *   idle > 2 max  (work came long after, or a timeout) window: halved; below {@value #START_NANOS} ns, 0
 *   work found while polling                          window unchanged (a probe's kept)
 *   window 0, every {@value #PROBE_EVERY}th sleep       a probe: one poll of {@value #START_NANOS} ns
 * </pre>
 * The probe is there because a sleep's idle time includes waking up: when wake-ups are slow (a busy host),
 * work that a poll would catch at once can still come later than 2 max after a sleep, and the window would
 * never open; a probe that finds work opens it. It costs an idle hub {@value #START_NANOS} ns every
 * {@value #PROBE_EVERY} sleeps.
 * A hub whose children answer within the window polls for as long as it waits; one whose work comes
 * between max and 2 max after it sleeps polls in vain for at most max per sleep (the price of adapting
 * without knowing the wake-up's cost); anything slower, and an idle hub, never polls.
 * Never on a single CPU: there the poll would only hold up the child that is to answer. Hub thread only.
 */
final class HubSpin {
    /** The window a hub starts polling with once sleeps turn out short, and a probe's. */
    static final long START_NANOS = 10_000;
    /** With the window at 0, one sleep in this many is preceded by a probe. */
    static final int PROBE_EVERY = 64;

    private final long max;
    private long window;
    /** Sleeps since the window fell to 0, counting towards the next probe. */
    private int sinceProbe;

    /** {@code maxNanos} 0 never polls. */
    HubSpin(long maxNanos, int cpus) {
        this.max = cpus > 1 ? maxNanos : 0;
    }

    /**
     * How long to look for work before sleeping now, in nanoseconds (0: sleep at once). Once per sleep:
     * with the window at 0 each call counts towards the next probe.
     */
    long window() {
        if (window == 0 && max > 0 && ++sinceProbe >= PROBE_EVERY) {
            sinceProbe = 0;
            return Math.min(START_NANOS, max);
        }
        return window;
    }

    /** The poll found work: the window stays, or opens if this was a probe. */
    void found() {
        if (window == 0) {
            window = Math.min(START_NANOS, max);
        }
    }

    /** The hub looked for work for the whole window in vain, then slept; it was idle {@code idleNanos} in all. */
    void slept(long idleNanos) {
        if (idleNanos <= 2 * max) {
            window = window == 0 ? Math.min(START_NANOS, max) : Math.min(max, window * 2);
        } else {
            window /= 2;
            if (window < START_NANOS) {
                window = 0;
            }
        }
    }
}
