package org.celeriac.broker.celery;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.api.TaskExpiredException;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.UnknownTaskException;
import org.celeriac.pool.api.WorkerLostException;

/**
 * A task's failure as Celery's result backend stores it: the final state ({@code FAILURE} or {@code REVOKED})
 * and the exception as {@code {exc_type, exc_message, exc_module}}, which Python's {@code AsyncResult.get()}
 * turns back into an exception.
 *
 * <p>Failures Celery itself has a type for keep Celery's type and module ({@code NotRegistered},
 * {@code TimeLimitExceeded}, {@code TaskRevokedError}, …) so Python code can catch them by class. A Java
 * exception keeps its simple class name and its package as the module: Python finds no such module and makes
 * an exception class of that name, as Celery does for any exception type the client cannot import.
 *
 * @param state     {@code FAILURE} or {@code REVOKED}
 * @param type      {@code exc_type}
 * @param module    {@code exc_module}
 * @param message   the exception's message ({@code exc_message} holds it as the one argument)
 * @param traceback the stack trace text, or {@code null}
 */
public record CeleryError(String state, String type, String module, String message, String traceback) {
    public static final String FAILURE = "FAILURE";
    public static final String REVOKED = "REVOKED";

    static final String CELERY = "celery.exceptions";
    static final String BILLIARD = "billiard.exceptions";

    /** An unregistered task name ({@code celery.exceptions.NotRegistered}). */
    public static CeleryError notRegistered(String taskName) {
        return new CeleryError(FAILURE, "NotRegistered", CELERY, taskName, null);
    }

    /** A message Celeriac cannot run ({@code celery.exceptions.InvalidTaskError}), saying why. */
    public static CeleryError invalidTask(String why) {
        return new CeleryError(FAILURE, "InvalidTaskError", CELERY, why, null);
    }

    /** A serializer Celeriac never deserializes ({@code kombu.exceptions.ContentDisallowed}), as kombu words it. */
    public static CeleryError contentDisallowed(String contentType) {
        String name = "application/x-python-serialize".equals(contentType) ? "pickle" : contentType;
        return new CeleryError(FAILURE, "ContentDisallowed", "kombu.exceptions",
                "Refusing to deserialize untrusted content of type " + name + " (" + contentType
                        + "): Celeriac accepts application/json only", null);
    }

    /** A message whose workers kept dying ({@code billiard.exceptions.WorkerLostError}), no longer redelivered. */
    public static CeleryError workerLostRepeatedly(String taskName, int restores) {
        return new CeleryError(FAILURE, "WorkerLostError", BILLIARD, "the worker running task " + taskName
                + " was lost " + restores + " times (killed, crashed, exited or out of memory while holding it); "
                + "not redelivered again (max.redeliveries = " + restores + ")", null);
    }

    /** A task revoked by remote control before it ran ({@code TaskRevokedError('revoked')}). */
    public static CeleryError revoked() {
        return new CeleryError(REVOKED, "TaskRevokedError", CELERY, "revoked", null);
    }

    /** The failure inside the {@link CompletionException}/{@link ExecutionException} wrappers around it. */
    public static Throwable rootCause(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The error for a task's failure (a retry request that ran out of retries fails with its cause). */
    public static CeleryError of(Throwable failure) {
        Throwable t = rootCause(failure);
        if (t instanceof org.celeriac.pool.api.TaskRetryException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof UnknownTaskException u) {
            return new CeleryError(FAILURE, "NotRegistered", CELERY, u.taskName(), null);
        }
        if (t instanceof TaskTerminatedException) {
            return new CeleryError(REVOKED, "TaskRevokedError", CELERY, "terminated", null);
        }
        if (t instanceof TaskExpiredException) {
            return new CeleryError(REVOKED, "TaskRevokedError", CELERY, "expired", null);
        }
        if (t instanceof SoftTimeLimitExceededException) {
            return new CeleryError(FAILURE, "SoftTimeLimitExceeded", BILLIARD, t.getMessage(), null);
        }
        if (t instanceof TimeLimitExceededException) {
            return new CeleryError(FAILURE, "TimeLimitExceeded", BILLIARD, t.getMessage(), null);
        }
        if (t instanceof WorkerLostException) {
            return new CeleryError(FAILURE, "WorkerLostError", BILLIARD, t.getMessage(), null);
        }
        if (t instanceof RemoteTaskException r) {
            String type = r.remoteType();
            String prefix = type + ": ";
            String message = r.getMessage().startsWith(prefix) ? r.getMessage().substring(prefix.length()) : r.getMessage();
            return new CeleryError(FAILURE, simpleName(type), packageName(type), message, r.remoteTrace());
        }
        String type = t.getClass().getName();
        return new CeleryError(FAILURE, simpleName(type), packageName(type),
                t.getMessage() == null ? "" : t.getMessage(), stackTrace(t));
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String packageName(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "java" : className.substring(0, dot);
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
