package org.celeriac.shell;

import java.util.regex.PatternSyntaxException;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.service.component.annotations.Component;

/**
 * Says how to quote when Gogo itself rejects unquoted JSON. Gogo expands the words of a command line before
 * the command sees them, bash-style: {@code {a,b}} becomes two words and a {@code [..]} inside a word is a
 * file-name pattern. {@code celeriac:send} reads {@code [..]} and {@code {..}} as typed (see
 * {@link TypedArguments}), but a word such as {@code {"k":[1,2]}} fails in Gogo's expansion first, with an
 * error about a regular expression. This listener adds the one line a person needs after that error.
 */
@Component(service = CommandSessionListener.class)
public final class QuotingHint implements CommandSessionListener {

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        String line = String.valueOf(command);
        if (exception instanceof PatternSyntaxException && line.contains("send") && line.contains("{")) {
            session.getConsole().println("celeriac: Gogo expanded a JSON object as a file pattern before celeriac:send saw it;"
                    + " put JSON objects in single quotes, e.g. celeriac:send echo '[{\"k\": [1, 2]}]' '{\"x\": [1, 2]}'");
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
    }
}
