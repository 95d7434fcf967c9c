package org.celeriac.pool.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One task to run, shaped like a Celery protocol-v2 message: id, task name, positional {@code args} (a JSON
 * array) and keyword {@code kwargs} (a JSON object), time limits, ETA, expiry and headers.
 *
 * <p>Immutable and thread-safe. The constructor validates everything and deep-copies the arguments: a blank
 * id or name, a negative or zero time limit, a soft limit above the hard one, or an argument that is not a
 * JSON value fails fast with an {@link IllegalArgumentException} that names the bad value.
 *
 * @param id            the task id (Celery uses a UUID string); never blank
 * @param name          the registered task name ({@code task.name} of a {@link Task} service); never blank
 * @param args          positional arguments, JSON values
 * @param kwargs        keyword arguments, JSON values
 * @param softTimeLimit after this the task sees {@link SoftTimeLimitExceededException}; {@code null} = the pool's
 * @param timeLimit     after this the task is stopped ({@link TimeLimitExceededException}); {@code null} = the pool's
 * @param eta           not before this instant (the worker holds it until then); {@code null} = now
 * @param expires       revoked if not started by this instant ({@link TaskExpiredException}); {@code null} = never
 * @param headers       free-form message headers, JSON values
 */
public record TaskRequest(String id, String name, List<Object> args, Map<String, Object> kwargs,
                          Duration softTimeLimit, Duration timeLimit, Instant eta, Instant expires,
                          Map<String, Object> headers) {

    public TaskRequest {
        id = requireText(id, "task id");
        name = requireText(name, "task name");
        args = org.celeriac.pool.json.Json.frozenList(Objects.requireNonNull(args, "args must not be null (use List.of())"), "args");
        kwargs = org.celeriac.pool.json.Json.frozenMap(Objects.requireNonNull(kwargs, "kwargs must not be null (use Map.of())"), "kwargs");
        headers = headers == null ? Map.of() : org.celeriac.pool.json.Json.frozenMap(headers, "headers");
        requirePositive(softTimeLimit, "softTimeLimit");
        requirePositive(timeLimit, "timeLimit");
        if (softTimeLimit != null && timeLimit != null && softTimeLimit.compareTo(timeLimit) > 0) {
            throw new IllegalArgumentException("softTimeLimit " + softTimeLimit + " exceeds timeLimit " + timeLimit);
        }
    }

    /** A request with a fresh UUID, the given positional arguments and nothing else. */
    public static TaskRequest of(String name, Object... args) {
        return builder(name).args(Arrays.asList(args)).build();
    }

    /** A builder for a request named {@code name} with a fresh UUID id. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder pre-filled with this request's values. */
    public Builder toBuilder() {
        return new Builder(name).id(id).args(args).kwargs(kwargs).softTimeLimit(softTimeLimit)
                .timeLimit(timeLimit).eta(eta).expires(expires).headers(headers);
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank, was " + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }

    private static void requirePositive(Duration d, String what) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }

    /** Builds a {@link TaskRequest}; validation happens in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        /**
         * Made in {@link #build()} only if none was given: a builder fed an id (every message from a broker,
         * every task in a prefork child) would otherwise draw a random UUID for nothing, under the lock of
         * the shared {@code SecureRandom}.
         */
        private String id;
        private boolean idGiven;
        private final String name;
        private List<?> args = List.of();
        private Map<String, ?> kwargs = Map.of();
        private Duration softTimeLimit;
        private Duration timeLimit;
        private Instant eta;
        private Instant expires;
        private Map<String, ?> headers = Map.of();

        private Builder(String name) {
            this.name = name;
        }

        public Builder id(String id) { this.id = id; this.idGiven = true; return this; }
        public Builder args(List<?> args) { this.args = args; return this; }
        public Builder kwargs(Map<String, ?> kwargs) { this.kwargs = kwargs; return this; }
        public Builder softTimeLimit(Duration d) { this.softTimeLimit = d; return this; }
        public Builder timeLimit(Duration d) { this.timeLimit = d; return this; }
        public Builder eta(Instant eta) { this.eta = eta; return this; }
        public Builder expires(Instant expires) { this.expires = expires; return this; }
        public Builder headers(Map<String, ?> headers) { this.headers = headers; return this; }

        @SuppressWarnings("unchecked")
        public TaskRequest build() {
            if (!idGiven) {
                id(UUID.randomUUID().toString()); // kept: every request this builder makes has the same id
            }
            return new TaskRequest(id, name, (List<Object>) args, (Map<String, Object>) kwargs,
                    softTimeLimit, timeLimit, eta, expires, (Map<String, Object>) headers);
        }
    }
}
