package dev.longshore.storage;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access times waiting to be written to the index: every hit records one here, in memory, and {@link CacheStorage#flushAccesses}
 * writes them all with one RocksDB write. A busy blob served a thousand times between flushes costs one map entry and
 * one index update, not a thousand writes. A crash loses at most one flush interval of access times, which only makes
 * eviction slightly less exact.
 *
 * <p>Thread-safe.
 */
final class AccessLog {

    /** The drained contents: the latest access of each blob, manifest and tag since the last drain. */
    record Batch(Map<Digest, Instant> blobs, Map<Digest, Instant> manifests, Map<TagKey, Instant> tags) {
        int size() {
            return blobs.size() + manifests.size() + tags.size();
        }
    }

    private final ConcurrentHashMap<Digest, Instant> blobs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Digest, Instant> manifests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TagKey, Instant> tags = new ConcurrentHashMap<>();

    void blob(Digest digest, Instant at) {
        blobs.merge(digest, at, AccessLog::later);
    }

    void manifest(Digest digest, Instant at) {
        manifests.merge(digest, at, AccessLog::later);
    }

    void tag(TagKey key, Instant at) {
        tags.merge(key, at, AccessLog::later);
    }

    /** Whether {@code digest} was accessed since the last drain: eviction leaves such a blob alone. */
    boolean hasBlob(Digest digest) {
        return blobs.containsKey(digest);
    }

    /**
     * Takes every recorded access out. Callers keep other writers of the same keys out meanwhile (see
     * {@link CacheStorage#flushAccesses}); a concurrent {@link #blob} lands either in this batch or the next.
     */
    Batch drain() {
        return new Batch(drain(blobs), drain(manifests), drain(tags));
    }

    private static <K> Map<K, Instant> drain(ConcurrentHashMap<K, Instant> pending) {
        Map<K, Instant> taken = new HashMap<>();
        for (K key : pending.keySet()) {
            Instant at = pending.remove(key);
            if (at != null) {
                taken.put(key, at);
            }
        }
        return taken;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
