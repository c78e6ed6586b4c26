package dev.longshore.proxy.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * A token from a registry token service, and when we stop using it.
 *
 * @param refreshAt shortly before the token expires, so that a request sent with it does not arrive too late
 */
record BearerToken(String token, Instant refreshAt) {

    /** The token spec's default lifetime when expires_in is missing. */
    static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);
    /** At most this much before expiry we fetch a new token instead. */
    static final Duration MAX_MARGIN = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Parses a token response ({@code token} or {@code access_token}, {@code expires_in}, {@code issued_at}).
     * The lifetime counts from the earlier of our clock and issued_at: a token service whose clock runs ahead
     * must not make us keep a token longer than it lives, one whose clock lags only costs an early refresh.
     */
    static BearerToken parse(byte[] json, Instant now) throws UpstreamException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new UpstreamException("token response is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new UpstreamException("token response is not a JSON object");
        }
        String token = text(root, "token");
        if (token == null) {
            token = text(root, "access_token");
        }
        if (token == null) {
            throw new UpstreamException("token response has neither token nor access_token");
        }
        Duration lifetime = DEFAULT_LIFETIME;
        JsonNode expiresIn = root.get("expires_in");
        if (expiresIn != null && expiresIn.isNumber() && expiresIn.asLong() > 0) {
            lifetime = Duration.ofSeconds(expiresIn.asLong());
        }
        Instant start = now;
        String issuedAt = text(root, "issued_at");
        if (issuedAt != null) {
            try {
                Instant issued = OffsetDateTime.parse(issuedAt).toInstant();
                if (issued.isBefore(now)) {
                    start = issued;
                }
            } catch (DateTimeParseException e) {
                // Not RFC 3339: ignore it and count from now.
            }
        }
        Duration margin = lifetime.dividedBy(5).compareTo(MAX_MARGIN) < 0 ? lifetime.dividedBy(5) : MAX_MARGIN;
        return new BearerToken(token, start.plus(lifetime).minus(margin));
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node != null && node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
    }

    /** Never shows the token itself. */
    @Override
    public String toString() {
        return "BearerToken[refreshAt=" + refreshAt + "]";
    }
}
