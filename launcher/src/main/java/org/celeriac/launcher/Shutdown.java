package org.celeriac.launcher;

import java.lang.System.Logger.Level;
import sun.misc.Signal;

/**
 * SIGTERM, and Ctrl-C (SIGINT) when there is no console: stop the container gracefully and exit 0. Handling
 * the signals ourselves, rather than only in a shutdown hook, is what lets a graceful stop end with exit
 * status 0 instead of 143. With the interactive console, Ctrl-C belongs to the shell (it interrupts the
 * running command, as in any shell) and the worker is stopped by Ctrl-D or {@code shutdown} at the prompt.
 */
final class Shutdown {
    private static final System.Logger LOG = System.getLogger(Shutdown.class.getName());

    private Shutdown() {
    }

    static void onSignals(Container container, boolean interactive) {
        Thread stopper = new Thread(() -> {
            LOG.log(Level.INFO, "stopping: no new tasks; running tasks get the worker's shutdown grace");
            try {
                container.stop();
            } catch (Exception e) {
                LOG.log(Level.ERROR, "stopping the container failed", e);
                Runtime.getRuntime().halt(1);
            }
            Runtime.getRuntime().halt(0);
        }, "celeriac-shutdown");
        for (String name : interactive ? new String[] {"TERM", "HUP"} : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                synchronized (Shutdown.class) {
                    if (stopper.getState() == Thread.State.NEW) {
                        stopper.start();
                    }
                }
            });
        }
    }
}
