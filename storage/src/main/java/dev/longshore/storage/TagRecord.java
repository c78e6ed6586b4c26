package dev.longshore.storage;

import java.time.Instant;
import java.util.Objects;

/** The manifest a tag pointed to when we last asked the upstream, at {@code fetchedAt}. */
public record TagRecord(Digest digest, Instant fetchedAt) {

    public TagRecord {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(fetchedAt, "fetchedAt");
    }
}
