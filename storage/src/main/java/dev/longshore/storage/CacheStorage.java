package dev.longshore.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the proxy stores, under one data dir (see {@link StorageLayout}): blob files in a {@link BlobStore},
 * metadata in a {@link CacheIndex}, and an in-memory Caffeine cache in front of manifest and tag lookups, which
 * every pull repeats.
 *
 * <p>The in-memory caches mirror the index and are only correct if manifests and tags are written through this
 * class, not through {@link #index()} directly. Misses are not cached, so a put is visible to the next lookup.
 *
 * <p>Index and files agree, even across kill -9: a blob's record is written (with a journal entry) before its file is
 * renamed into place, and its file is unlinked (after a journal entry) before its record is removed; {@link #open}
 * settles the few journalled blobs a crash interrupted. Per-digest locks keep a hit, a publish and an eviction of the
 * same blob from interleaving. Access times are batched in memory ({@link #flushAccesses}).
 *
 * <p>Thread-safe. One process per data dir: {@link #open} takes {@code longshore.lock}.
 */
public final class CacheStorage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheStorage.class);

    /** Enough for thousands of typical manifests (a few KiB each) while bounding the heap. */
    private static final long MANIFEST_CACHE_BYTES = 64L * 1024 * 1024;
    private static final long TAG_CACHE_ENTRIES = 100_000;
    /** Per-digest locks, striped: hits of different blobs rarely share one, and 64 locks cost nothing. */
    private static final int STRIPES = 64;

    private final DataDirectoryLock lock;
    private final BlobStore blobs;
    private final CacheIndex index;
    private final Clock clock;
    private final Cache<Digest, ManifestRecord> manifests;
    private final Cache<TagKey, TagRecord> tags;
    private final AccessLog accesses = new AccessLog();
    private final CacheUsage usage = new CacheUsage();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private volatile Runnable publishListener;

    private CacheStorage(DataDirectoryLock lock, BlobStore blobs, CacheIndex index, Clock clock) {
        this.lock = lock;
        this.blobs = blobs;
        this.index = index;
        this.clock = clock;
        this.manifests = Caffeine.newBuilder()
                .maximumWeight(MANIFEST_CACHE_BYTES)
                .weigher((Digest digest, ManifestRecord record) -> record.bytes().length + record.mediaType().length())
                .build();
        this.tags = Caffeine.newBuilder().maximumSize(TAG_CACHE_ENTRIES).build();
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    public static CacheStorage open(Path dataDir) throws IOException {
        return open(dataDir, Clock.systemUTC());
    }

    /**
     * Opens the data dir; {@code clock} stamps access times. Fails with {@link DataDirectoryInUseException} if another
     * process has it open. Deletes unfinished fills, settles blobs a crash left half published or half deleted, and
     * counts the bytes in the cache.
     */
    public static CacheStorage open(Path dataDir, Clock clock) throws IOException {
        return open(dataDir, clock, true);
    }

    /**
     * @param countUsageNow count the cached bytes before returning; false leaves {@link #countUsage} to the caller, so
     *                      that a server with a million blobs starts serving without waiting for the count
     */
    public static CacheStorage open(Path dataDir, Clock clock, boolean countUsageNow) throws IOException {
        StorageLayout layout = new StorageLayout(dataDir);
        // The lock first: it keeps a second process from deleting the first one's fills in progress from tmp/.
        DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir);
        CacheIndex index;
        try {
            index = CacheIndex.open(layout.indexDir());
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        try {
            CacheStorage storage = new CacheStorage(lock, BlobStore.open(dataDir), index, clock);
            storage.settleJournal();
            if (countUsageNow) {
                storage.countUsage();
            }
            return storage;
        } catch (IOException | RuntimeException e) {
            index.close();
            lock.close();
            throw e;
        }
    }

    public BlobStore blobs() {
        return blobs;
    }

    public CacheIndex index() {
        return index;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * Counts the bytes of every blob into {@link #usage()}, over a snapshot taken while every digest lock is held:
     * publishes and deletes after it move the usage themselves, and the scan never sees them, so nothing counts twice.
     * Runs once; a second call does nothing.
     */
    public void countUsage() {
        if (usage.counted()) {
            return;
        }
        for (ReentrantLock stripe : stripes) {
            stripe.lock();
        }
        boolean[] unlocked = {false};
        try {
            index.forEachBlobSize(usage::add, () -> {
                for (ReentrantLock stripe : stripes) {
                    stripe.unlock();
                }
                unlocked[0] = true;
            });
        } finally {
            if (!unlocked[0]) {
                for (ReentrantLock stripe : stripes) {
                    stripe.unlock();
                }
            }
        }
        usage.markCounted();
    }

    /** Bytes in the cache, in total and per upstream. */
    public CacheUsage usage() {
        return usage;
    }

    /** The committed blob, if its file is present: that alone makes a hit. Records no access. */
    public Optional<StoredBlob> findBlob(Digest digest) {
        return blobs.find(digest);
    }

    /**
     * The committed blob for a client about to read it: records the access first, under the digest's lock, so an
     * eviction either sees the access and spares the blob, or has already removed it and this is a miss.
     */
    public Optional<StoredBlob> useBlob(Digest digest) {
        ReentrantLock stripe = stripe(digest);
        stripe.lock();
        try {
            accesses.blob(digest, clock.instant());
            return blobs.find(digest);
        } finally {
            stripe.unlock();
        }
    }

    /** Commits the fill, then records the blob in the index as accessed now, from no known upstream. */
    public StoredBlob commit(BlobWriter writer) throws IOException {
        return commit(writer, BlobRecord.UNKNOWN_UPSTREAM);
    }

    /**
     * Verifies the fill, then publishes it: record and journal entry, rename, journal entry removed. A crash anywhere
     * in between leaves a journal entry that {@link #open} settles. The blob is charged to {@code upstream} unless an
     * upstream already brought it.
     */
    public StoredBlob commit(BlobWriter writer, String upstream) throws IOException {
        return commit(writer, upstream, () -> {
        });
    }

    /** {@link #commit(BlobWriter, String)}, telling {@code onDigestMatched} as soon as the digest matched (before the fsync). */
    public StoredBlob commit(BlobWriter writer, String upstream, Runnable onDigestMatched) throws IOException {
        StoredBlob verified = writer.verify(onDigestMatched);
        Digest digest = verified.digest();
        ReentrantLock stripe = stripe(digest);
        StoredBlob published;
        stripe.lock();
        try {
            Optional<BlobRecord> existing = index.blob(digest);
            BlobRecord record = new BlobRecord(digest, verified.size(), clock.instant(),
                    existing.map(BlobRecord::upstream).orElse(upstream));
            try {
                index.beginPublish(record);
            } catch (RuntimeException e) {
                writer.abort();
                throw e;
            }
            try {
                published = writer.publish();
            } catch (IOException | RuntimeException e) {
                settle(digest);
                if (existing.isPresent() && index.blob(digest).isEmpty()) {
                    usage.remove(existing.get().upstream(), existing.get().size());
                }
                throw e;
            }
            index.endPending(digest);
            if (existing.isEmpty()) {
                usage.add(record.upstream(), record.size());
            }
        } finally {
            stripe.unlock();
        }
        Runnable listener = publishListener;
        if (listener != null) {
            listener.run();
        }
        return published;
    }

    /** Runs after every published blob, on the committing thread (eviction checks its budget there); null for none. */
    public void setPublishListener(Runnable listener) {
        this.publishListener = listener;
    }

    /** Records that {@code blob} was served now, for eviction by last access. */
    public void touchBlob(StoredBlob blob) {
        accesses.blob(blob.digest(), clock.instant());
    }

    /** Deletes the blob file and its index entry; returns whether the file existed. Readers that have it open keep reading. */
    public boolean deleteBlob(Digest digest) throws IOException {
        ReentrantLock stripe = stripe(digest);
        stripe.lock();
        try {
            return deleteLocked(digest);
        } finally {
            stripe.unlock();
        }
    }

    /**
     * Evicts {@code candidate} unless it was used since it was chosen: an access waiting in the log, or a newer
     * {@code lastAccess} in the index. Returns whether it was deleted.
     */
    public boolean evict(BlobRecord candidate) throws IOException {
        Digest digest = candidate.digest();
        ReentrantLock stripe = stripe(digest);
        stripe.lock();
        try {
            if (accesses.hasBlob(digest)) {
                return false;
            }
            Optional<BlobRecord> current = index.blob(digest);
            if (current.isEmpty() || current.get().lastAccess().isAfter(candidate.lastAccess())) {
                return false;
            }
            deleteLocked(digest);
            return true;
        } finally {
            stripe.unlock();
        }
    }

    private boolean deleteLocked(Digest digest) throws IOException {
        Optional<BlobRecord> record = index.blob(digest);
        index.beginDelete(digest);
        boolean existed = blobs.delete(digest);
        index.finishDelete(digest);
        record.ifPresent(r -> usage.remove(r.upstream(), r.size()));
        return existed;
    }

    /**
     * Writes every access recorded since the last flush, in one index write. Holds every digest lock meanwhile, so an
     * eviction never sees an access neither in the log nor in the index. Returns how many accesses were written.
     */
    public int flushAccesses() {
        for (ReentrantLock stripe : stripes) {
            stripe.lock();
        }
        try {
            AccessLog.Batch batch = accesses.drain();
            if (batch.size() > 0) {
                index.recordAccesses(batch.blobs(), batch.manifests(), batch.tags());
            }
            return batch.size();
        } finally {
            for (ReentrantLock stripe : stripes) {
                stripe.unlock();
            }
        }
    }

    public Optional<ManifestRecord> manifest(Digest digest) {
        // A null from the loader caches nothing, so a miss stays a miss only until the next put.
        Optional<ManifestRecord> manifest = Optional.ofNullable(manifests.get(digest, d -> index.manifest(d).orElse(null)));
        manifest.ifPresent(m -> accesses.manifest(digest, clock.instant()));
        return manifest;
    }

    /**
     * The manifest if the in-memory cache holds it, else empty without reading the index: never waits on the disk, so
     * an event loop may ask. Records the access as {@link #manifest} does.
     */
    public Optional<ManifestRecord> manifestIfCached(Digest digest) {
        Optional<ManifestRecord> manifest = Optional.ofNullable(manifests.getIfPresent(digest));
        manifest.ifPresent(m -> accesses.manifest(digest, clock.instant()));
        return manifest;
    }

    public void putManifest(ManifestRecord record) {
        index.putManifest(record);
        // A digest names immutable content, so racing puts all carry the same record.
        manifests.put(record.digest(), record);
        accesses.manifest(record.digest(), clock.instant());
    }

    /** Drops a manifest from the index and the in-memory cache (GC). */
    public void dropManifest(Digest digest) {
        index.deleteManifest(digest);
        manifests.invalidate(digest);
    }

    public Optional<TagRecord> tag(TagKey key) {
        Optional<TagRecord> tag = Optional.ofNullable(tags.get(key, k -> index.tag(k).orElse(null)));
        tag.ifPresent(t -> accesses.tag(key, clock.instant()));
        return tag;
    }

    /** The tag if the in-memory cache holds it, else empty without reading the index; see {@link #manifestIfCached}. */
    public Optional<TagRecord> tagIfCached(TagKey key) {
        Optional<TagRecord> tag = Optional.ofNullable(tags.getIfPresent(key));
        tag.ifPresent(t -> accesses.tag(key, clock.instant()));
        return tag;
    }

    public void putTag(TagKey key, TagRecord record) {
        index.putTag(key, record);
        // Invalidate rather than put: tags move, and two racing puts could reach the cache in the opposite order
        // from the index. Invalidation waits for a load in progress, so the next lookup reads the index.
        tags.invalidate(key);
        accesses.tag(key, clock.instant());
    }

    /** Drops a tag from the index and the in-memory cache (GC). */
    public void dropTag(TagKey key) {
        index.deleteTag(key);
        tags.invalidate(key);
    }

    /** What {@link #reconcile} changed. */
    public record Reconciliation(int filesIndexed, int recordsDropped) {
        public boolean changedAnything() {
            return filesIndexed > 0 || recordsDropped > 0;
        }
    }

    /**
     * Brings the index and the files into full agreement, both ways: a blob file without a record is indexed (it was
     * verified before it was renamed into blobs/, so it is good content; it gets its file time as last access, so it is
     * among the first evicted if nobody asks for it); a record without its file is dropped. Kill -9 leaves neither
     * ({@link #open} settles the journal); this covers what a power loss or a hand in the data dir can. Slow at a
     * million blobs (a directory walk and a stat per record), so the server runs it in the background.
     */
    public Reconciliation reconcile() throws IOException {
        int[] indexed = {0};
        blobs.forEachFile(new BlobStore.BlobFileVisitor() {
            @Override
            public void blob(Digest digest, Path file) throws IOException {
                if (index.blob(digest).isEmpty() && indexIfPresent(digest)) {
                    indexed[0]++;
                }
            }

            @Override
            public void stray(Path path) {
                log.warn("{} in the blob store names no digest; `longshore verify` quarantines it", path);
            }
        });
        List<Digest> missing = new ArrayList<>();
        index.forEachBlob(record -> {
            if (blobs.find(record.digest()).isEmpty()) {
                missing.add(record.digest());
            }
        });
        int dropped = 0;
        for (Digest digest : missing) {
            if (dropIfMissing(digest)) {
                dropped++;
            }
        }
        return new Reconciliation(indexed[0], dropped);
    }

    private boolean indexIfPresent(Digest digest) throws IOException {
        ReentrantLock stripe = stripe(digest);
        stripe.lock();
        try {
            if (index.blob(digest).isPresent()) {
                return false;
            }
            Path file = blobs.layout().blobPath(digest);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            }
            BlobRecord record = new BlobRecord(digest, attributes.size(), attributes.lastModifiedTime().toInstant());
            index.putBlob(record);
            usage.add(record.upstream(), record.size());
            return true;
        } finally {
            stripe.unlock();
        }
    }

    private boolean dropIfMissing(Digest digest) {
        ReentrantLock stripe = stripe(digest);
        stripe.lock();
        try {
            Optional<BlobRecord> record = index.blob(digest);
            if (record.isEmpty() || blobs.find(digest).isPresent()) {
                return false;
            }
            index.deleteBlob(digest);
            usage.remove(record.get().upstream(), record.get().size());
            return true;
        } finally {
            stripe.unlock();
        }
    }

    /** Settles every journalled blob; runs in {@link #open}, before anything else can touch the store. */
    private void settleJournal() throws IOException {
        List<Digest> interrupted = index.pending();
        for (Digest digest : interrupted) {
            settle(digest);
        }
        if (!interrupted.isEmpty()) {
            log.info("Settled {} blob(s) whose publish or delete a crash interrupted", interrupted.size());
        }
    }

    /** The file decides: present, it is indexed; absent, its record goes. Either way the journal entry goes. */
    private void settle(Digest digest) throws IOException {
        Optional<StoredBlob> file = blobs.find(digest);
        if (file.isPresent()) {
            if (index.blob(digest).isEmpty()) {
                index.putBlob(new BlobRecord(digest, file.get().size(), clock.instant()));
            }
            index.endPending(digest);
        } else {
            index.finishDelete(digest);
        }
    }

    private ReentrantLock stripe(Digest digest) {
        return stripes[Math.floorMod(digest.hex().hashCode(), STRIPES)];
    }

    /** Writes the pending access times, then closes the index and releases the data dir. */
    @Override
    public void close() {
        try {
            flushAccesses();
        } catch (RuntimeException e) {
            log.warn("could not write the last access times: {}", e.toString());
        }
        manifests.invalidateAll();
        tags.invalidateAll();
        index.close();
        lock.close();
    }

    /** Now, on this storage's clock. */
    Instant now() {
        return clock.instant();
    }
}
