package dev.longshore.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Picks the least recently accessed blobs that together free at least a given number of bytes. It reads the index's
 * access order from its oldest end and stops as soon as it has enough, so a pick costs what it picks, not what the
 * cache holds.
 */
public final class EvictionCandidates {

    private EvictionCandidates() {
    }

    /**
     * @param upstream    only blobs charged to this upstream; null for every blob
     * @param bytesNeeded how much the picked blobs must add up to (fewer bytes if the index holds fewer)
     * @param keep        blobs that must not be picked (pinned)
     * @return the picked blobs, least recently accessed first
     */
    public static List<BlobRecord> oldest(CacheIndex index, String upstream, long bytesNeeded, Predicate<Digest> keep) {
        List<BlobRecord> picked = new ArrayList<>();
        if (bytesNeeded <= 0) {
            return picked;
        }
        long[] held = {0};
        index.forEachBlobByAccess(upstream, record -> {
            if (!keep.test(record.digest())) {
                picked.add(record);
                held[0] += record.size();
            }
            return held[0] < bytesNeeded;
        });
        return picked;
    }
}
