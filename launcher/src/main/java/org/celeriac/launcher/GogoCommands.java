package org.celeriac.launcher;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Runs {@code -c} commands through Gogo's {@code CommandProcessor}, as the shell would. Gogo's API lives
 * inside the framework, not on the launcher's class path, hence reflection on its two methods.
 */
final class GogoCommands {
    private static final String PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
    private final Object session;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    GogoCommands(BundleContext context) throws Exception {
        Object processor = context.getService(await(context, PROCESSOR, Duration.ofSeconds(30)));
        Method create = processor.getClass().getMethod("createSession", InputStream.class, OutputStream.class, OutputStream.class);
        PrintStream print = new PrintStream(out, true);
        session = create.invoke(processor, new ByteArrayInputStream(new byte[0]), print, print);
    }

    /** Runs one command line; returns what it printed and its result, or {@code error: ...}. */
    String execute(String command) throws Exception {
        String result;
        try {
            Object value = invoke(command);
            result = value == null ? "" : String.valueOf(value);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            result = "error: " + command + ": " + cause.getMessage();
        }
        String printed = out.toString();
        out.reset();
        return printed + result;
    }

    /** Runs one command line and returns its result as Gogo gave it; what it printed is dropped. */
    Object value(String command) throws Exception {
        try {
            return invoke(command);
        } finally {
            out.reset();
        }
    }

    private Object invoke(String command) throws Exception {
        Method execute = session.getClass().getMethod("execute", CharSequence.class);
        execute.setAccessible(true);
        return execute.invoke(session, command);
    }

    private static ServiceReference<?> await(BundleContext context, String clazz, Duration timeout)
            throws InvalidSyntaxException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            ServiceReference<?>[] refs = context.getAllServiceReferences(clazz, null);
            if (refs != null) {
                return refs[0];
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Gogo command processor did not start within " + timeout);
            }
            Thread.sleep(20); // the container is starting on other threads; poll with a deadline
        }
    }
}
