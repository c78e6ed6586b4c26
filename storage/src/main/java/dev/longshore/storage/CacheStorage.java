package dev.longshore.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * Everything the proxy stores, under one data dir (see {@link StorageLayout}): blob files in a {@link BlobStore},
 * metadata in a {@link CacheIndex}, and an in-memory Caffeine cache in front of manifest and tag lookups, which
 * every pull repeats.
 *
 * <p>The in-memory caches mirror the index and are only correct if manifests and tags are written through this
 * class, not through {@link #index()} directly. Misses are not cached, so a put is visible to the next lookup.
 *
 * <p>Thread-safe.
 */
public final class CacheStorage implements AutoCloseable {

    /** Enough for thousands of typical manifests (a few KiB each) while bounding the heap. */
    private static final long MANIFEST_CACHE_BYTES = 64L * 1024 * 1024;
    private static final long TAG_CACHE_ENTRIES = 100_000;

    private final BlobStore blobs;
    private final CacheIndex index;
    private final Clock clock;
    private final Cache<Digest, ManifestRecord> manifests;
    private final Cache<TagKey, TagRecord> tags;

    private CacheStorage(BlobStore blobs, CacheIndex index, Clock clock) {
        this.blobs = blobs;
        this.index = index;
        this.clock = clock;
        this.manifests = Caffeine.newBuilder()
                .maximumWeight(MANIFEST_CACHE_BYTES)
                .weigher((Digest digest, ManifestRecord record) -> record.bytes().length + record.mediaType().length())
                .build();
        this.tags = Caffeine.newBuilder().maximumSize(TAG_CACHE_ENTRIES).build();
    }

    public static CacheStorage open(Path dataDir) throws IOException {
        return open(dataDir, Clock.systemUTC());
    }

    /** Opens the data dir; {@code clock} stamps blob access times. */
    public static CacheStorage open(Path dataDir, Clock clock) throws IOException {
        StorageLayout layout = new StorageLayout(dataDir);
        // The index first: its lock file fails this open if another process uses the data dir, before
        // BlobStore.open deletes that process's fills in progress from tmp/.
        CacheIndex index = CacheIndex.open(layout.indexDir());
        try {
            return new CacheStorage(BlobStore.open(dataDir), index, clock);
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
    }

    public BlobStore blobs() {
        return blobs;
    }

    public CacheIndex index() {
        return index;
    }

    /** The committed blob, if its file is present: that alone makes a hit. */
    public Optional<StoredBlob> findBlob(Digest digest) {
        return blobs.find(digest);
    }

    /** Commits the fill, then records the blob in the index as accessed now. */
    public StoredBlob commit(BlobWriter writer) throws IOException {
        StoredBlob blob = writer.commit();
        index.putBlob(new BlobRecord(blob.digest(), blob.size(), clock.instant()));
        return blob;
    }

    /** Records that {@code blob} was served now, for eviction by last access. */
    public void touchBlob(StoredBlob blob) {
        index.putBlob(new BlobRecord(blob.digest(), blob.size(), clock.instant()));
    }

    /** Deletes the blob file and its index entry; returns whether the file existed. */
    public boolean deleteBlob(Digest digest) throws IOException {
        boolean existed = blobs.delete(digest);
        index.deleteBlob(digest);
        return existed;
    }

    public Optional<ManifestRecord> manifest(Digest digest) {
        // A null from the loader caches nothing, so a miss stays a miss only until the next put.
        return Optional.ofNullable(manifests.get(digest, d -> index.manifest(d).orElse(null)));
    }

    public void putManifest(ManifestRecord record) {
        index.putManifest(record);
        // A digest names immutable content, so racing puts all carry the same record.
        manifests.put(record.digest(), record);
    }

    public Optional<TagRecord> tag(TagKey key) {
        return Optional.ofNullable(tags.get(key, k -> index.tag(k).orElse(null)));
    }

    public void putTag(TagKey key, TagRecord record) {
        index.putTag(key, record);
        // Invalidate rather than put: tags move, and two racing puts could reach the cache in the opposite order
        // from the index. Invalidation waits for a load in progress, so the next lookup reads the index.
        tags.invalidate(key);
    }

    @Override
    public void close() {
        manifests.invalidateAll();
        tags.invalidateAll();
        index.close();
    }
}
