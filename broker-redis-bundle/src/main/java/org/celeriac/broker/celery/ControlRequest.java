package org.celeriac.broker.celery;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A remote-control command from kombu's pidbox ({@code celery inspect}, {@code celery control}):
 * {@code {method, arguments, destination, pattern, matcher, ticket, reply_to}}.
 *
 * @param method       the command, e.g. {@code ping}
 * @param arguments    its keyword arguments (JSON values)
 * @param destination  the node names addressed, or {@code null} for every node
 * @param pattern      a node-name pattern addressed instead, or {@code null}
 * @param matcher      how {@code pattern} matches: {@code glob} or {@code pcre} (kombu's matchers)
 * @param ticket       the id the caller collects replies by; {@code null} when no reply is wanted
 * @param replyExchange where replies go ({@code reply.celery.pidbox}), {@code null} when none is wanted
 * @param replyRoutingKey the caller's reply queue routing key
 */
public record ControlRequest(String method, Map<String, Object> arguments, List<String> destination,
                             String pattern, String matcher, String ticket, String replyExchange,
                             String replyRoutingKey) {

    /** Reads a pidbox message. @throws MessageFormatException not JSON, or not a control command */
    @SuppressWarnings("unchecked")
    public static ControlRequest decode(KombuMessage message) throws MessageFormatException {
        if (!TaskMessageDecoder.JSON.equals(message.contentType())) {
            throw new MessageFormatException("refusing control message of content type " + message.contentType()
                    + ": only application/json is accepted");
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(new String(message.body(), StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MessageFormatException("control body is not JSON: " + e.getOriginalMessage());
        }
        String method = Json.text(body.path("method"));
        if (method == null) {
            throw new MessageFormatException("control message without a method: " + Json.abbreviate(body.toString()));
        }
        JsonNode args = body.path("arguments");
        JsonNode dest = body.path("destination");
        JsonNode replyTo = body.path("reply_to");
        return new ControlRequest(method,
                args.isObject() ? Json.MAPPER.convertValue(args, Map.class) : Map.of(),
                dest.isArray() ? Json.MAPPER.convertValue(dest, List.class) : null,
                Json.text(body.path("pattern")), Json.text(body.path("matcher")),
                Json.text(body.path("ticket")),
                Json.text(replyTo.path("exchange")), Json.text(replyTo.path("routing_key")));
    }

    /** Whether the node named {@code node} should act on it, as kombu's {@code Node.handle_message} decides. */
    public boolean addresses(String node) {
        if (destination != null && !destination.isEmpty()) {
            return destination.contains(node);
        }
        if (pattern != null && matcher != null) {
            return switch (matcher) {
                case "glob" -> Pattern.matches(globToRegex(pattern), node);
                case "pcre" -> Pattern.compile(pattern).matcher(node).lookingAt(); // Python's re.match
                default -> false; // an unknown matcher addresses nobody rather than everybody
            };
        }
        return true;
    }

    private static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    public boolean wantsReply() {
        return ticket != null && replyExchange != null && replyRoutingKey != null;
    }
}
