package org.celeriac.worker.api;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A task-ingestion service: Celery's consumer half. A broker bundle takes task messages from a message broker
 * (Redis, …), hands each to {@link Worker#submit}, stores the outcome where the sender looks for it and
 * acknowledges the message only then. Registered as an OSGi service with the property
 * {@value #NAME_PROPERTY}; the shell lists every one ({@code celeriac:brokers}). Thread-safe.
 *
 * <p>Ingestion is pluggable like execution: without a broker service the worker runs tasks submitted in
 * process (the shell, other bundles) exactly as before.
 */
@ConsumerType
public interface Broker {
    /** The service property naming the broker kind, e.g. {@code redis}. */
    String NAME_PROPERTY = "broker.name";

    /** The broker kind, the value of {@value #NAME_PROPERTY}. */
    String name();

    /** Where it consumes from, with any password masked. */
    String url();

    /** The queues it consumes, in priority order. */
    List<String> queues();

    /** The node name remote control addresses, Celery's worker hostname (e.g. {@code celeriac@host}). */
    String nodeName();

    /** Counters since the broker service started. */
    BrokerStats stats();
}
