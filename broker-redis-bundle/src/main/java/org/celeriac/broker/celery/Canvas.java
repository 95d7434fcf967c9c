package org.celeriac.broker.celery;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a task message says to do after the task: Celery's {@code embed} — {@code link} callbacks,
 * {@code link_error} errbacks, the rest of a chain (in reverse: the next task is the last element) and, for a
 * task of a chord's header, the chord's body ({@code chord}), sent once every header task has finished.
 *
 * @param chord the chord's body (any signature: a task, a group, a chain or a chord), or {@code null}
 */
public record Canvas(List<Signature> callbacks, List<Signature> errbacks, List<Signature> chain, Signature chord) {
    public static final Canvas NONE = new Canvas(List.of(), List.of(), List.of(), null);

    public Canvas(List<Signature> callbacks, List<Signature> errbacks, List<Signature> chain) {
        this(callbacks, errbacks, chain, null);
    }

    static Canvas parse(JsonNode embed) throws MessageFormatException {
        if (embed == null || embed.isNull() || embed.isMissingNode()) {
            return NONE;
        }
        if (!embed.isObject()) {
            throw new MessageFormatException("the third body element must be an object (callbacks, errbacks, chain, chord), got "
                    + Json.abbreviate(embed.toString()));
        }
        JsonNode chord = embed.path("chord");
        return new Canvas(list(embed.path("callbacks"), "callbacks"), list(embed.path("errbacks"), "errbacks"),
                list(embed.path("chain"), "chain"), chord.isMissingNode() || chord.isNull() ? null : Signature.parse(chord, "chord"));
    }

    private static List<Signature> list(JsonNode node, String what) throws MessageFormatException {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new MessageFormatException(what + " must be a list of signatures, got " + Json.abbreviate(node.toString()));
        }
        List<Signature> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            out.add(Signature.parse(node.get(i), what + "[" + i + "]"));
        }
        return List.copyOf(out);
    }

    /**
     * What travels with a task sent from signature {@code step}: what its options say, as Celery's
     * {@code Signature.apply_async} turns them into the message — its own {@code link}/{@code link_error}
     * ({@code chain(...).apply_async(link_error=e.s())} puts the errback on every step), the chord it belongs to
     * ({@code chord}) — and the rest of the chain after it: {@code rest}, or else the chain a chord's body was
     * given ({@code options.chain}).
     */
    static Canvas forStep(Signature step, List<Signature> rest) throws MessageFormatException {
        JsonNode options = step.json().path("options");
        JsonNode chord = options.path("chord");
        return new Canvas(list(options.path("link"), "options.link"), list(options.path("link_error"), "options.link_error"),
                rest.isEmpty() ? list(options.path("chain"), "options.chain") : List.copyOf(rest),
                chord.isMissingNode() || chord.isNull() ? null : Signature.parse(chord, "options.chord"));
    }

    public boolean isEmpty() {
        return callbacks.isEmpty() && errbacks.isEmpty() && chain.isEmpty() && chord == null;
    }
}
