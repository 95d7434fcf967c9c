package org.celeriac.worker.api;

/**
 * A snapshot of a {@link Broker}'s counters. Each counter is exact; they are not read at one instant.
 *
 * @param connected     whether the broker connection works now
 * @param received      messages taken from the queues
 * @param acknowledged  messages acknowledged after their task finished (or was refused as bad input)
 * @param requeued      messages handed back to the queue unrun (no pool, shutdown)
 * @param restored      other consumers' messages put back after their visibility timeout ran out
 * @param rejected      messages refused as bad input (malformed, protocol v1, pickle, …), also counted acknowledged
 * @param inFlight      messages taken and not yet acknowledged
 * @param prefetchLimit the most messages whose tasks are unfinished (running or waiting) it holds at once
 */
public record BrokerStats(boolean connected, long received, long acknowledged, long requeued, long restored,
                          long rejected, int inFlight, int prefetchLimit) {
}
