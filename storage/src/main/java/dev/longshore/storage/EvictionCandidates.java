package dev.longshore.storage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * Picks the least recently accessed blobs that together free at least a given number of bytes, in one scan of the
 * index. Memory stays proportional to the blobs picked, not to the index: a max-heap on last access keeps only the
 * oldest blobs seen so far, dropping its newest whenever the rest still cover the bytes needed.
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
        if (bytesNeeded <= 0) {
            return List.of();
        }
        Comparator<BlobRecord> byAccess = Comparator.comparing(BlobRecord::lastAccess).thenComparing(r -> r.digest().hex());
        PriorityQueue<BlobRecord> newestFirst = new PriorityQueue<>(byAccess.reversed());
        long[] held = {0};
        index.forEachBlob(record -> {
            if (upstream != null && !upstream.equals(record.upstream())) {
                return;
            }
            if (keep.test(record.digest())) {
                return;
            }
            BlobRecord newest = newestFirst.peek();
            if (newest != null && held[0] >= bytesNeeded && byAccess.compare(record, newest) >= 0) {
                return; // newer than everything we would evict, and we already have enough
            }
            newestFirst.add(record);
            held[0] += record.size();
            while (held[0] - newestFirst.peek().size() >= bytesNeeded) {
                held[0] -= newestFirst.poll().size();
            }
        });
        List<BlobRecord> picked = new ArrayList<>(newestFirst);
        picked.sort(byAccess);
        return picked;
    }
}
