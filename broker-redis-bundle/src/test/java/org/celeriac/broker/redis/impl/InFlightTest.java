package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The prefetch accounting: taken, held, handed to the acknowledger, settled. */
class InFlightTest {
    private static final Duration NO_WAIT = Duration.ZERO;

    private static Delivery delivery(String tag, boolean counted) {
        return new Delivery(tag, "celery", null, counted);
    }

    @Test
    void takenMessagesCountUntilTheirTaskIsDoneNotUntilRedisHasTheAcknowledgement() throws Exception {
        InFlight f = new InFlight(() -> 4);
        assertEquals(4, f.awaitRoom(NO_WAIT));
        f.reserve(3);
        assertEquals(1, f.awaitRoom(NO_WAIT), "a taken batch counts before it is dispatched");
        Delivery a = delivery("a", true);
        Delivery eta = delivery("eta", false);
        f.add(a);
        f.add(eta);
        f.add(delivery("c", true));
        assertEquals(2, f.awaitRoom(NO_WAIT), "a task held for its ETA frees its slot");
        f.settling(a);
        assertEquals(3, f.awaitRoom(NO_WAIT), "a finished task frees its slot when handed to the acknowledger");
        assertEquals(3, f.size(), "and is still held until settled in Redis");
        f.remove(a);
        assertEquals(2, f.size());
        assertEquals(3, f.awaitRoom(NO_WAIT));
    }

    @Test
    void aMessageThatCouldNotBeDispatchedGivesItsReservationBack() throws Exception {
        InFlight f = new InFlight(() -> 2);
        f.reserve(2);
        assertEquals(0, f.awaitRoom(NO_WAIT));
        f.add(delivery("held", true));
        f.unreserve("held"); // dispatched after all: nothing to give back
        assertEquals(0, f.awaitRoom(NO_WAIT));
        f.unreserve("lost");
        assertEquals(1, f.awaitRoom(NO_WAIT));
    }

    @Test
    void tooManyFinishedTasksWaitingForTheirAcknowledgementStopTheTaking() throws Exception {
        InFlight f = new InFlight(() -> 10_000);
        Delivery[] ds = new Delivery[InFlight.MAX_SETTLING];
        f.reserve(ds.length);
        for (int i = 0; i < ds.length; i++) {
            ds[i] = delivery("t" + i, true);
            f.add(ds[i]);
            f.settling(ds[i]);
        }
        assertEquals(0, f.awaitRoom(NO_WAIT), "Redis is not keeping up: take nothing more");
        f.remove(ds[0]);
        assertEquals(10_000, f.awaitRoom(NO_WAIT));
    }

    @Test
    void aWaitingTakerWakesWhenATaskFinishes() throws Exception {
        InFlight f = new InFlight(() -> 1);
        Delivery d = delivery("d", true);
        f.reserve(1);
        f.add(d);
        CompletableFuture<Integer> room = CompletableFuture.supplyAsync(() -> {
            try {
                return f.awaitRoom(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        f.settling(d);
        assertEquals(1, room.get(10, TimeUnit.SECONDS));
    }

    /**
     * The limit may ask the pool, whose thread may be finishing a task and settling it (prefork's hub): the
     * limit must not be read under the lock that settling takes, or both wait for each other.
     */
    @Test
    void theLimitIsNotReadUnderTheLockThatFinishingTasksTake() throws Exception {
        Delivery d = delivery("d", true);
        AtomicBoolean settledWhileReadingLimit = new AtomicBoolean();
        InFlight[] f = new InFlight[1];
        f[0] = new InFlight(() -> {
            if (!settledWhileReadingLimit.get()) {
                Thread pool = Thread.ofPlatform().start(() -> f[0].settling(d));
                try {
                    pool.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                settledWhileReadingLimit.set(!pool.isAlive());
            }
            return 1;
        });
        f[0].reserve(1);
        f[0].add(d);
        assertEquals(1, f[0].awaitRoom(Duration.ofSeconds(1)));
        assertTrue(settledWhileReadingLimit.get(), "a task finished while the limit was read");
    }
}
