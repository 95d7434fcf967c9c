package org.celeriac.broker.celery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An entry of kombu's {@code unacked} hash: {@code [envelope, exchange, routing_key]}, what a restore needs
 * to put the message back where it was routed.
 *
 * @param routingKey {@code null} if the entry has none
 */
public record UnackedEntry(KombuMessage message, String exchange, String routingKey) {

    /** @throws MessageFormatException not {@code [envelope, exchange, routing_key]} with a kombu envelope first */
    public static UnackedEntry parse(String entry) throws MessageFormatException {
        JsonNode e;
        try {
            e = Json.MAPPER.readTree(entry);
        } catch (JsonProcessingException x) {
            throw new MessageFormatException("the entry is not JSON: " + x.getOriginalMessage());
        }
        if (e == null || !(e.path(0) instanceof ObjectNode envelope) || !envelope.path("properties").isObject()) {
            throw new MessageFormatException("the entry is not [envelope, exchange, routing_key]");
        }
        return new UnackedEntry(new KombuMessage(Json.write(envelope), envelope), e.path(1).asText(""), e.path(2).asText(null));
    }
}
