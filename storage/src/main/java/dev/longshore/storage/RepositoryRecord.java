package dev.longshore.storage;

import java.time.Instant;
import java.util.Objects;

/** A repository that was pulled through the cache, and when it was last pulled. */
public record RepositoryRecord(String upstream, String repository, Instant lastPull) {

    public RepositoryRecord {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(lastPull, "lastPull");
    }
}
