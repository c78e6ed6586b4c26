package dev.longshore.storage;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of committed blobs, in total and per upstream, kept in memory so that checking the budget never scans the
 * index. Counted once from the index at startup (in the background for the server: a million blobs take a second),
 * then moved by every publish and delete ({@link CacheStorage} keeps
 * the two in step under its per-digest locks). The sizes are the blobs' content lengths, not the blocks they occupy.
 *
 * <p>Thread-safe.
 */
public final class CacheUsage {

    private final AtomicLong totalBytes = new AtomicLong();
    private final AtomicLong blobCount = new AtomicLong();
    private final ConcurrentHashMap<String, AtomicLong> upstreamBytes = new ConcurrentHashMap<>();
    private volatile boolean counted;

    /** Whether the startup count is done; until then the figures are too low, and eviction must wait. */
    public boolean counted() {
        return counted;
    }

    void markCounted() {
        counted = true;
    }

    void add(String upstream, long size) {
        totalBytes.addAndGet(size);
        blobCount.incrementAndGet();
        upstreamBytes.computeIfAbsent(upstream, u -> new AtomicLong()).addAndGet(size);
    }

    void remove(String upstream, long size) {
        totalBytes.addAndGet(-size);
        blobCount.decrementAndGet();
        upstreamBytes.computeIfAbsent(upstream, u -> new AtomicLong()).addAndGet(-size);
    }

    public long totalBytes() {
        return totalBytes.get();
    }

    public long blobCount() {
        return blobCount.get();
    }

    /** Bytes charged to {@code upstream}; {@link BlobRecord#UNKNOWN_UPSTREAM} holds blobs of no known upstream. */
    public long bytes(String upstream) {
        AtomicLong bytes = upstreamBytes.get(upstream);
        return bytes == null ? 0 : bytes.get();
    }

    /** Bytes per upstream, sorted by name; for logs and reports. */
    public Map<String, Long> byUpstream() {
        Map<String, Long> copy = new TreeMap<>();
        upstreamBytes.forEach((upstream, bytes) -> copy.put(upstream, bytes.get()));
        return copy;
    }

    @Override
    public String toString() {
        return totalBytes() + " bytes in " + blobCount() + " blobs " + byUpstream();
    }
}
