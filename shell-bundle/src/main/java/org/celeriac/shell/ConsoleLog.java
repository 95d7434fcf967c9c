package org.celeriac.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.jline.reader.LineReader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Log lines above the prompt: while the JLine console runs, the worker's log records (java.util.logging,
 * where {@code System.Logger} goes) are printed with {@link LineReader#printAbove(String)}, which clears the
 * line being typed, prints the record and redraws the prompt with what was typed so far. Without it a log
 * line written to stderr lands in the middle of the input.
 *
 * <p>Gogo's JLine shell creates its {@link LineReader} inside its own session; the first command that
 * session executes (its profile, before the first prompt: the launcher starts the console after this
 * bundle) shows it to this listener, which then takes the place of the root logger's console handlers,
 * keeping their level and format. They are put back as soon as the console may go away: when its
 * {@code gosh} command returns (Ctrl-D), when the console bundle or the framework begins to stop, and when
 * this component stops; the shutdown's log lines then reach stderr rather than a closed terminal.
 */
@Component(service = CommandSessionListener.class)
public final class ConsoleLog implements CommandSessionListener {
    private static final String CONSOLE_BUNDLE = "org.apache.felix.gogo.jline";
    private final List<Handler> replaced = new ArrayList<>();
    private final BundleContext context;
    /** Synchronous: called on the stopping thread before the console or the framework goes. */
    private final SynchronousBundleListener stopping = event -> {
        Bundle b = event.getBundle();
        if (event.getType() == BundleEvent.STOPPING && (b.getBundleId() == 0 || CONSOLE_BUNDLE.equals(b.getSymbolicName()))) {
            detach();
        }
    };

    @Activate
    public ConsoleLog(BundleContext context) {
        this.context = context;
        context.addBundleListener(stopping);
    }
    private Handler above;                 // guarded by this
    private LineReader reader;             // guarded by this

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        if (session.get(".reader") instanceof LineReader r) {
            attach(r);
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        consoleEnded(session, command);
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        consoleEnded(session, command);
    }

    private synchronized void consoleEnded(CommandSession session, CharSequence command) {
        if (reader != null && session.get(".reader") == reader && String.valueOf(command).startsWith("gosh")) {
            detach();
        }
    }

    private synchronized void attach(LineReader r) {
        if (reader == r) {
            return;
        }
        detach();
        Logger root = Logger.getLogger("");
        Formatter format = new SimpleFormatter();
        java.util.logging.Level level = java.util.logging.Level.ALL;
        for (Handler h : root.getHandlers()) {
            if (h instanceof ConsoleHandler) {
                format = h.getFormatter();
                level = h.getLevel();
                root.removeHandler(h);
                replaced.add(h);
            }
        }
        reader = r;
        above = new AbovePrompt(r, format);
        above.setLevel(level);
        root.addHandler(above);
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(stopping);
        detach();
    }

    synchronized void detach() {
        Logger root = Logger.getLogger("");
        if (above != null) {
            root.removeHandler(above);
            above.close();
            above = null;
        }
        replaced.forEach(root::addHandler);
        replaced.clear();
        reader = null;
    }

    /**
     * Prints each record above the prompt of one line reader, from a thread of its own. The reader's lock is
     * held for as long as it completes a word, and completion runs commands (Tab after {@code celeriac:use}
     * asks the worker for its pools): a command that logs would wait for the lock that waits for it. So a
     * logging thread only queues the line; the printer waits for the reader. Lines keep their order; with
     * {@value #CAPACITY} lines queued, a line goes straight to stderr rather than block its thread.
     */
    private static final class AbovePrompt extends Handler {
        private static final int CAPACITY = 10_000;
        private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(CAPACITY);
        private final Thread printer;

        AbovePrompt(LineReader reader, Formatter format) {
            setFormatter(format);
            printer = new Thread(() -> {
                try {
                    for (;;) {
                        String line = lines.take();
                        try {
                            reader.printAbove(line);
                        } catch (RuntimeException e) {
                            System.err.println(line); // the terminal is gone (shutting down): stderr still works
                        }
                    }
                } catch (InterruptedException e) {
                    lines.forEach(System.err::println); // closed: what is left goes to stderr
                }
            }, "celeriac-console-log");
            printer.setDaemon(true);
            printer.start();
        }

        @Override
        public void publish(LogRecord record) {
            if (!isLoggable(record)) {
                return;
            }
            String line = getFormatter().format(record);
            line = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
            if (!lines.offer(line)) {
                System.err.println(line);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            printer.interrupt();
        }
    }
}
