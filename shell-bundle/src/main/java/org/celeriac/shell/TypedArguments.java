package org.celeriac.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.gogo.runtime.Token;
import org.apache.felix.service.command.Job;
import org.apache.felix.service.command.Process;

/**
 * The text a person typed for a command's last arguments, read back from the command line of the running
 * Gogo job.
 *
 * <p>Why: Gogo evaluates {@code [..]} as its own list literal before a command sees it, and that loses JSON:
 * {@code ["hello","world"]} arrives as one element {@code hello,world}. The source text of the job is still
 * there ({@link Job#command()}); Gogo's own {@link Parser} finds the statement that invoked the command and
 * its argument tokens, exactly as typed.
 *
 * <p>Only an unambiguous answer is given: if the line holds several invocations of the command with different
 * text (e.g. {@code send a [1]; send a [2]}), or none (the command was called through a variable or from
 * Java), the result is empty and the caller must rely on what Gogo passed.
 */
final class TypedArguments {
    private TypedArguments() {
    }

    /**
     * The raw text of the arguments of the invocation of {@code function} (in any scope) that the current Gogo
     * job runs, if exactly one such text exists.
     */
    static Optional<List<String>> ofCurrentJob(String function) {
        // The innermost job first: in the console every typed line is a job inside the login shell's own job
        // ("gosh --login"), and a sub-expression may be a job of its own.
        Process process = Process.Utils.current();
        for (Job job = process == null ? null : process.job(); job != null; job = job.parent()) {
            if (job.command() != null) {
                // As a String: in the console the command is one of Gogo's tokens, a view into a larger text,
                // and Gogo's parser mis-reads nested brackets in such a view.
                Optional<List<String>> found = of(job.command().toString(), function);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** As {@link #ofCurrentJob}, for a given command line. */
    static Optional<List<String>> of(CharSequence commandLine, String function) {
        List<Parser.Statement> statements = new ArrayList<>();
        try {
            collect(new Parser(commandLine).program(), statements);
        } catch (RuntimeException e) {
            return Optional.empty(); // Gogo ran it, so it parses; anything else is not ours to judge
        }
        List<String> found = null;
        for (Parser.Statement s : statements) {
            List<Token> tokens = s.tokens();
            for (int i = 0; i < tokens.size(); i++) {
                String word = tokens.get(i).toString();
                boolean named = word.equals(function) || word.endsWith(":" + function);
                if (named) {
                    List<String> raw = tokens.subList(i + 1, tokens.size()).stream().map(Token::toString).toList();
                    if (found != null && !found.equals(raw)) {
                        return Optional.empty();
                    }
                    found = raw;
                    break;
                }
            }
        }
        return Optional.ofNullable(found);
    }

    /** Every statement of a program, including those inside pipelines, sub-expressions and closures. */
    private static void collect(Token token, List<Parser.Statement> out) {
        if (token instanceof Parser.Program p) {
            p.tokens().forEach(t -> collect(t, out));
        } else if (token instanceof Parser.Pipeline p) {
            p.tokens().forEach(t -> collect(t, out));
        } else if (token instanceof Parser.Sequence s) {
            collect(s.program(), out);
        } else if (token instanceof Parser.Closure c) {
            collect(c.program(), out);
        } else if (token instanceof Parser.Statement s) {
            out.add(s);
            s.tokens().forEach(t -> collect(t, out));
        }
    }
}
