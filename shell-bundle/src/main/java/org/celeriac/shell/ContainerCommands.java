package org.celeriac.shell;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** {@code celeriac:shutdown}: stops the worker and its container the graceful way, as SIGTERM and Ctrl-D do. */
@Component(service = ContainerCommands.class, property = {
        "osgi.command.scope=celeriac", "osgi.command.function=shutdown"})
public final class ContainerCommands {
    private final BundleContext context;

    @Activate
    public ContainerCommands(BundleContext context) {
        this.context = context;
    }

    @Descriptor("stop the worker: accept nothing new, let running tasks finish within shutdown.grace, then exit")
    public String shutdown() throws BundleException {
        // Stopping the system bundle stops the framework on a thread of its own (OSGi core 4.2.2): brokers
        // first, then the worker with its grace period, then the pools; the launcher exits 0 when it is done.
        context.getBundle(0).stop();
        return "stopping: no new tasks; running tasks get the worker's shutdown grace";
    }
}
