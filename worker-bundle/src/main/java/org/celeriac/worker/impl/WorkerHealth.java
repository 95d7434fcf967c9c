package org.celeriac.worker.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.celeriac.pool.api.PoolState;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.PoolUnavailableException;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.Health;
import org.celeriac.worker.api.Worker;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@link Health} from what the worker and the brokers already know: the active pool's state and each
 * broker's connection flag. No task is sent and nothing waits, so a probe costs microseconds.
 */
@Component(service = Health.class)
public final class WorkerHealth implements Health {
    private final Worker worker;
    private final BundleContext context;
    private final List<Broker> brokers = new CopyOnWriteArrayList<>();

    @Activate
    public WorkerHealth(@Reference Worker worker, BundleContext context) {
        this.worker = worker;
        this.context = context;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindBroker(Broker broker) {
        brokers.add(broker);
    }

    void unbindBroker(Broker broker) {
        brokers.remove(broker);
    }

    @Override
    public Report live() {
        return report(liveProblems(), pool(), false);
    }

    @Override
    public Report ready() {
        List<String> problems = new ArrayList<>(liveProblems());
        Optional<PoolStats> pool = pool();
        if (pool.isEmpty()) {
            problems.add("no pool is active" + (worker.pools().isEmpty() ? " (none is installed)" : ""));
        } else if (pool.get().state() != PoolState.RUN) {
            problems.add("pool " + pool.get().pool() + " is " + pool.get().state() + ", not RUN");
        }
        return report(problems, pool, true);
    }

    private List<String> liveProblems() {
        return context.getBundle(0).getState() == Bundle.ACTIVE ? List.of() : List.of("the framework is stopping");
    }

    /** The answer, reading the pool's and each broker's figures once; for readiness a broker must be connected. */
    private Report report(List<String> problems, Optional<PoolStats> pool, boolean brokersMustBeConnected) {
        List<String> all = new ArrayList<>(problems);
        List<String> lines = new ArrayList<>();
        for (Broker b : brokers) {
            boolean connected = b.stats().connected();
            lines.add(b.name() + " " + b.url() + (connected ? " connected" : " disconnected"));
            if (brokersMustBeConnected && !connected) {
                all.add("broker " + b.url() + " is not connected");
            }
        }
        return new Report(all.isEmpty(), all, pool.map(s -> s.pool() + " " + s.state()).orElse("none"), lines);
    }

    private Optional<PoolStats> pool() {
        try {
            return Optional.of(worker.stats());
        } catch (PoolUnavailableException e) {
            return Optional.empty();
        }
    }
}
