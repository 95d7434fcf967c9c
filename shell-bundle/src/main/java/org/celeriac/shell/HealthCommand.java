package org.celeriac.shell;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.celeriac.worker.api.Health;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code celeriac:health}: the liveness and readiness probes of {@code /health/live} and
 * {@code /health/ready}, at the console: what a person checks before asking why no task runs.
 */
@Component(service = HealthCommand.class, property = {"osgi.command.scope=celeriac", "osgi.command.function=health"})
public final class HealthCommand {
    private final Health health;

    @Activate
    public HealthCommand(@Reference Health health) {
        this.health = health;
    }

    @Descriptor("is the worker alive and ready for work? (what /health/live and /health/ready answer)")
    public String health(@Descriptor("only liveness") @Parameter(names = "--live", presentValue = "true", absentValue = "false") boolean liveOnly) {
        Health.Report live = health.live();
        StringBuilder out = new StringBuilder();
        out.append("live:    ").append(live.ok() ? "yes" : "NO").append('\n');
        if (!liveOnly) {
            Health.Report ready = health.ready();
            out.append("ready:   ").append(ready.ok() ? "yes" : "NO").append('\n');
            live = ready;
        }
        out.append("pool:    ").append(live.pool()).append('\n');
        out.append("brokers: ").append(live.brokers().isEmpty() ? "none" : String.join("; ", live.brokers()));
        for (String p : live.problems()) {
            out.append("\n  - ").append(p);
        }
        return out.toString();
    }
}
