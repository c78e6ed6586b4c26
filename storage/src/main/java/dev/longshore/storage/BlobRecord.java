package dev.longshore.storage;

import java.time.Instant;
import java.util.Objects;

/** What the index knows about a committed blob; {@code lastAccess} is what eviction will order by. */
public record BlobRecord(Digest digest, long size, Instant lastAccess) {

    public BlobRecord {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(lastAccess, "lastAccess");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + digest);
        }
    }
}
