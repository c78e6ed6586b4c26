package dev.longshore.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * What the index knows about a committed blob: its size, when it was last served ({@code lastAccess}, what eviction
 * orders by) and the upstream whose fill brought it ({@code upstream}, what per-upstream budgets charge it to;
 * {@link #UNKNOWN_UPSTREAM} for blobs found on disk without a record, which count against the global budget only).
 * A blob that two upstreams serve is charged to the one that fetched it first.
 */
public record BlobRecord(Digest digest, long size, Instant lastAccess, String upstream) {

    public static final String UNKNOWN_UPSTREAM = "";

    public BlobRecord {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(lastAccess, "lastAccess");
        Objects.requireNonNull(upstream, "upstream");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + digest);
        }
    }

    public BlobRecord(Digest digest, long size, Instant lastAccess) {
        this(digest, size, lastAccess, UNKNOWN_UPSTREAM);
    }

    public BlobRecord withLastAccess(Instant newLastAccess) {
        return new BlobRecord(digest, size, newLastAccess, upstream);
    }
}
