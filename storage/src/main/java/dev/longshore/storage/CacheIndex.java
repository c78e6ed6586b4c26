package dev.longshore.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.AbstractNativeReference;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.FlushOptions;
import org.rocksdb.HyperClockCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.Snapshot;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata index, in RocksDB, one column family per kind of record: blobs, manifests, tags, repositories, plus
 * the last pull times of manifests and tags, a small journal of blobs being published or deleted, and the blobs in
 * order of last access, for eviction. This is the only class that touches RocksDB, which is why it is longer than
 * most. Keys are laid out by {@link IndexKeys} so that listings are prefix scans, values by {@link IndexValues}.
 *
 * <p>The access order is a second copy of what the blob records say, kept in step with them: every write of a blob
 * record writes its access-order entry in the same {@link WriteBatch}, so a crash can never leave the two apart.
 * An index from before the access order gets it built on open.
 *
 * <p>The index is a cache of upstream metadata, never the source of truth for blob presence (the files are), so it
 * writes with the WAL on but without fsync per write: a process crash loses nothing, a power loss may lose the last
 * moments of metadata, which the proxy simply fetches again.
 *
 * <p>Thread-safe: RocksDB is. The read-write lock only keeps {@link #close()} from freeing native handles while
 * another thread is still inside a call, which would crash the JVM instead of throwing.
 */
public final class CacheIndex implements AutoCloseable {

    static {
        RocksDB.loadLibrary();
    }

    private static final Logger log = LoggerFactory.getLogger(CacheIndex.class);
    /** In the default column family once the access order holds every blob (see {@link #buildAccessOrderIfMissing}). */
    private static final byte[] ACCESS_ORDER_BUILT = bytes("access-order-built");

    /**
     * The block cache, shared by every column family: a modest part of the server's memory goal (300 MiB peak RSS).
     * At a million blobs it holds about 60% of the blob records; the rest are read from the OS page cache.
     */
    private static final long BLOCK_CACHE_BYTES = 64L * 1024 * 1024;
    private static final long MEMTABLE_BYTES = 32L * 1024 * 1024;

    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions columnFamilyOptions;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final ColumnFamilyHandle defaultFamily;
    private final ColumnFamilyHandle blobs;
    private final ColumnFamilyHandle manifests;
    private final ColumnFamilyHandle tags;
    private final ColumnFamilyHandle repositories;
    /** When each manifest and tag was last pulled ({@link IndexKeys#manifestPull}, {@link IndexKeys#tagPull}), for GC. */
    private final ColumnFamilyHandle pulls;
    /**
     * Blobs whose file is being published or deleted: the crash journal. An entry is written before the rename or
     * unlink and removed after it, so a restart knows exactly which few blobs may disagree with their files.
     */
    private final ColumnFamilyHandle pending;
    /** Every blob as {@code upstream, lastAccess, digest} to its size ({@link IndexKeys#access}): eviction's order. */
    private final ColumnFamilyHandle accessOrder;
    /**
     * Held while a blob record is read and rewritten, so that the access-order entry a write deletes is always the
     * one the record it replaces had. Blob writes are few (commits, deletes, one per access flush).
     */
    private final ReentrantLock blobWrites = new ReentrantLock();
    private final ReadWriteLock closeLock = new ReentrantReadWriteLock();
    /** RocksDB writes made (a batch counts once), for tests and metrics: access times must cost one per flush. */
    private final LongAdder writes = new LongAdder();
    /** The manifests' column family options, and the block cache and bloom filter all options refer to; closed in order. */
    private List<AbstractNativeReference> tableResources = List.of();
    private boolean closed;

    private CacheIndex(Path dir, DBOptions dbOptions, ColumnFamilyOptions columnFamilyOptions,
                       WriteOptions writeOptions, RocksDB db, List<ColumnFamilyHandle> handles) {
        this.dir = dir;
        this.dbOptions = dbOptions;
        this.columnFamilyOptions = columnFamilyOptions;
        this.writeOptions = writeOptions;
        this.db = db;
        // Same order as the descriptors in open().
        this.defaultFamily = handles.get(0);
        this.blobs = handles.get(1);
        this.manifests = handles.get(2);
        this.tags = handles.get(3);
        this.repositories = handles.get(4);
        this.pulls = handles.get(5);
        this.pending = handles.get(6);
        this.accessOrder = handles.get(7);
    }

    /** Opens or creates the index in {@code dir}. RocksDB's lock file keeps a second opener, in any process, out. */
    public static CacheIndex open(Path dir) throws IOException {
        Files.createDirectories(dir);
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                // Every open rolls RocksDB's info LOG; the default keeps 1000 of them.
                .setKeepLogFileNum(5)
                // All memtables together, across the column families: without it each of them may hold two of
                // 64 MiB, which a burst of writes (an import, a GC) would turn into resident memory.
                .setDbWriteBufferSize(MEMTABLE_BYTES);
        // Tuned for point lookups of random digests at a million blobs (IndexScaleBenchmark has the figures):
        // - one block cache for every column family, bounded at BLOCK_CACHE_BYTES whatever the index holds; a hyper
        //   clock cache, because a hit then takes no mutex and moves no LRU list node (0.6 us off a cached lookup);
        // - bloom filters on whole keys, so a lookup reads only the SST file that can hold its key, and a bloom
        //   filter on the memtable too, so a lookup of a key not written lately skips the memtable's skip list;
        // - a hash index inside each data block, one probe instead of a binary search over its restart points;
        // - no compression: digests are random hex and save only a fifth, while decompressing each block read
        //   outside the block cache cost more than the rest of the lookup together. The OS page cache holds the files;
        // - index and filter blocks stay in the table readers (RocksDB's default) rather than in the block cache:
        //   they take about 2 bytes a blob, and fetching them through the cache added 1.5 us to every lookup.
        // Level compaction with dynamic level sizes (RocksDB's default) keeps the tree at its fewest levels.
        HyperClockCache blockCache = new HyperClockCache(BLOCK_CACHE_BYTES, 0, -1, false);
        BloomFilter bloomFilter = new BloomFilter(10);
        ColumnFamilyOptions columnFamilyOptions = new ColumnFamilyOptions()
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setBlockCache(blockCache)
                        .setFilterPolicy(bloomFilter)
                        .setWholeKeyFiltering(true)
                        .setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash)
                        .setDataBlockHashTableUtilRatio(0.75))
                .setMemtableWholeKeyFiltering(true)
                .setMemtablePrefixBloomSizeRatio(0.02)
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setBottommostCompressionType(CompressionType.NO_COMPRESSION)
                .setLevelCompactionDynamicLevelBytes(true);
        // Manifests are JSON, a few KiB each, read through the manifest cache in CacheStorage: LZ4 shrinks them
        // several times over, for a decompression cheap next to a manifest's size.
        ColumnFamilyOptions manifestOptions = new ColumnFamilyOptions(columnFamilyOptions)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION);
        WriteOptions writeOptions = new WriteOptions().setDisableWAL(false).setSync(false);
        List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("blobs"), columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("manifests"), manifestOptions),
                new ColumnFamilyDescriptor(bytes("tags"), columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("repositories"), columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("pulls"), columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("pending"), columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("access-order"), columnFamilyOptions));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            CacheIndex index = new CacheIndex(dir, dbOptions, columnFamilyOptions, writeOptions, db, handles);
            index.tableResources = List.of(manifestOptions, blockCache, bloomFilter);
            try {
                index.buildAccessOrderIfMissing();
            } catch (RuntimeException e) {
                index.close();
                throw e;
            }
            return index;
        } catch (RocksDBException e) {
            // open() hands out no handles when it fails, so only the options need closing.
            writeOptions.close();
            columnFamilyOptions.close();
            manifestOptions.close();
            dbOptions.close();
            blockCache.close();
            bloomFilter.close();
            throw new IOException("cannot open the RocksDB cache index at " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** RocksDB writes made so far; a {@link WriteBatch} counts as one. */
    public long writes() {
        return writes.sum();
    }

    public void putBlob(BlobRecord record) {
        writeBlobs("put blob " + record.digest(), () -> {
            try (WriteBatch batch = new WriteBatch()) {
                putBlob(batch, record, storedBlob(record.digest()));
                write(batch);
            }
        });
    }

    /** Puts many blob records in one write (imports, benchmarks). */
    public void putBlobs(List<BlobRecord> records) {
        writeBlobs("put " + records.size() + " blobs", () -> {
            // The last record of a digest wins, as it would with one put each; earlier ones must not leave entries.
            Map<Digest, BlobRecord> latest = new LinkedHashMap<>();
            records.forEach(record -> latest.put(record.digest(), record));
            List<BlobRecord> old = storedBlobs(new ArrayList<>(latest.keySet()));
            try (WriteBatch batch = new WriteBatch()) {
                int i = 0;
                for (BlobRecord record : latest.values()) {
                    putBlob(batch, record, old.get(i++));
                }
                write(batch);
            }
        });
    }

    public Optional<BlobRecord> blob(Digest digest) {
        return call("get blob " + digest, () -> {
            byte[] value = db.get(blobs, IndexKeys.digest(digest));
            return value == null ? Optional.empty() : Optional.of(IndexValues.blob(digest, value));
        });
    }

    public void deleteBlob(Digest digest) {
        writeBlobs("delete blob " + digest, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                deleteBlob(batch, storedBlob(digest));
                write(batch);
            }
        });
    }

    public void putManifest(ManifestRecord record) {
        call("put manifest " + record.digest(), () -> {
            db.put(manifests, writeOptions, IndexKeys.digest(record.digest()), IndexValues.manifest(record));
            writes.increment();
            return null;
        });
    }

    public Optional<ManifestRecord> manifest(Digest digest) {
        return call("get manifest " + digest, () -> {
            byte[] value = db.get(manifests, IndexKeys.digest(digest));
            return value == null ? Optional.empty() : Optional.of(IndexValues.manifest(digest, value));
        });
    }

    public void putTag(TagKey key, TagRecord record) {
        call("put tag " + key, () -> {
            db.put(tags, writeOptions, IndexKeys.tag(key), IndexValues.tag(record));
            writes.increment();
            return null;
        });
    }

    public Optional<TagRecord> tag(TagKey key) {
        return call("get tag " + key, () -> {
            byte[] value = db.get(tags, IndexKeys.tag(key));
            return value == null ? Optional.empty() : Optional.of(IndexValues.tag(value));
        });
    }

    /** The tags of one repository, sorted lexically (bytewise UTF-8, which is RocksDB's key order). */
    public List<String> tags(String upstream, String repository) {
        byte[] prefix = IndexKeys.tagPrefix(upstream, repository);
        return call("list tags of " + upstream + "/" + repository, () -> {
            List<String> names = new ArrayList<>();
            try (RocksIterator it = db.newIterator(tags)) {
                for (it.seek(prefix); it.isValid() && IndexKeys.startsWith(it.key(), prefix); it.next()) {
                    names.add(IndexKeys.afterPrefix(it.key(), prefix));
                }
                // An iterator that stops early on an I/O error looks like the end of the data; this tells them apart.
                it.status();
            }
            return names;
        });
    }

    public void putRepository(String upstream, String repository, Instant lastPull) {
        byte[] key = IndexKeys.repository(upstream, repository);
        call("put repository " + upstream + "/" + repository, () -> {
            db.put(repositories, writeOptions, key, IndexValues.repository(lastPull));
            writes.increment();
            return null;
        });
    }

    /** The repositories pulled from one upstream, sorted by name. */
    public List<RepositoryRecord> repositories(String upstream) {
        byte[] prefix = IndexKeys.repositoryPrefix(upstream);
        return call("list repositories of " + upstream, () -> {
            List<RepositoryRecord> records = new ArrayList<>();
            try (RocksIterator it = db.newIterator(repositories)) {
                for (it.seek(prefix); it.isValid() && IndexKeys.startsWith(it.key(), prefix); it.next()) {
                    String repository = IndexKeys.afterPrefix(it.key(), prefix);
                    records.add(IndexValues.repository(upstream, repository, it.value()));
                }
                it.status();
            }
            return records;
        });
    }

    /** Every repository pulled through the cache, from every upstream, sorted by upstream, then repository. */
    public List<RepositoryRecord> allRepositories() {
        return call("list all repositories", () -> {
            List<RepositoryRecord> records = new ArrayList<>();
            try (RocksIterator it = db.newIterator(repositories)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    List<String> names = IndexKeys.names(it.key());
                    records.add(IndexValues.repository(names.get(0), names.get(1), it.value()));
                }
                it.status();
            }
            return records;
        });
    }

    /** Every blob record, in digest order; {@code visitor} must not call back into the index for long. */
    public void forEachBlob(Consumer<BlobRecord> visitor) {
        call("scan blobs", () -> {
            try (ReadOptions once = new ReadOptions().setFillCache(false);
                 RocksIterator it = db.newIterator(blobs, once)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    Digest digest = digestOf(it.key());
                    visitor.accept(IndexValues.blob(digest, it.value()));
                }
                it.status();
            }
            return null;
        });
    }

    /** What {@link #forEachBlobSize} reports: one blob's upstream and size. */
    public interface BlobSizeVisitor {
        void visit(String upstream, long size);
    }

    /**
     * The upstream and size of every blob, decoded without building records or parsing digests: the startup count of
     * {@link CacheUsage}, which must stay fast at a million blobs.
     */
    public void forEachBlobSize(BlobSizeVisitor visitor) {
        forEachBlobSize(visitor, () -> { });
    }

    /**
     * As {@link #forEachBlobSize(BlobSizeVisitor)}, over a snapshot of the index: {@code afterSnapshot} runs once the
     * snapshot is taken, so a caller that holds off writers until then knows exactly which writes the scan misses.
     */
    public void forEachBlobSize(BlobSizeVisitor visitor, Runnable afterSnapshot) {
        call("count blob sizes", () -> {
            Snapshot snapshot = db.getSnapshot();
            // One pass over every blob at start-up: caching it would only push out blocks that lookups need.
            try (ReadOptions options = new ReadOptions().setSnapshot(snapshot).setFillCache(false)) {
                afterSnapshot.run();
                try (RocksIterator it = db.newIterator(blobs, options)) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        IndexValues.blobSize(it.value(), visitor);
                    }
                    it.status();
                }
            } finally {
                db.releaseSnapshot(snapshot);
            }
            return null;
        });
    }

    /**
     * Visits blobs least recently accessed first until {@code visitor} returns false: those charged to
     * {@code upstream}, or with {@code upstream} null every blob, the upstreams' orders merged. Reads only as far as
     * it visits, plus a seek per upstream, so picking what to evict costs what is picked, not what the cache holds.
     */
    public void forEachBlobByAccess(String upstream, Predicate<BlobRecord> visitor) {
        call("scan blobs by access", () -> {
            List<byte[]> prefixes = upstream == null ? accessOrderPrefixes() : List.of(IndexKeys.accessPrefix(upstream));
            // One pass over the oldest entries: caching them would only push out blocks that lookups need.
            try (ReadOptions once = new ReadOptions().setFillCache(false)) {
                List<RocksIterator> iterators = new ArrayList<>();
                try {
                    // A merge of one sorted run per upstream: a handful of runs, so a small queue.
                    PriorityQueue<AccessEntry> next = new PriorityQueue<>();
                    for (byte[] prefix : prefixes) {
                        RocksIterator it = db.newIterator(accessOrder, once);
                        iterators.add(it);
                        it.seek(prefix);
                        AccessEntry.at(it, prefix).ifPresent(next::add);
                    }
                    while (!next.isEmpty()) {
                        AccessEntry entry = next.poll();
                        if (!visitor.test(entry.blob())) {
                            break;
                        }
                        entry.it().next();
                        AccessEntry.at(entry.it(), entry.prefix()).ifPresent(next::add);
                    }
                    for (RocksIterator it : iterators) {
                        it.status();
                    }
                } finally {
                    // Before the read options they were made with.
                    iterators.forEach(RocksIterator::close);
                }
            }
            return null;
        });
    }

    /** The access-order entry an iterator is at, while it is within one upstream's {@code prefix}. */
    private record AccessEntry(RocksIterator it, byte[] prefix, byte[] key, byte[] value) implements Comparable<AccessEntry> {

        static Optional<AccessEntry> at(RocksIterator it, byte[] prefix) {
            if (!it.isValid() || !IndexKeys.startsWith(it.key(), prefix)) {
                return Optional.empty();
            }
            return Optional.of(new AccessEntry(it, prefix, it.key(), it.value()));
        }

        BlobRecord blob() {
            return IndexKeys.accessBlob(key, IndexValues.accessOrderSize(value));
        }

        /** By what follows the upstream, last access then digest: the order within each upstream, across them. */
        @Override
        public int compareTo(AccessEntry other) {
            return Arrays.compareUnsigned(key, prefix.length, key.length, other.key, other.prefix.length, other.key.length);
        }
    }

    /** The prefix of each upstream in the access order: one seek per upstream, past the previous one's entries. */
    private List<byte[]> accessOrderPrefixes() throws RocksDBException {
        List<byte[]> prefixes = new ArrayList<>();
        try (RocksIterator it = db.newIterator(accessOrder)) {
            for (it.seekToFirst(); it.isValid(); it.seek(IndexKeys.afterAccessPrefix(prefixes.getLast()))) {
                prefixes.add(IndexKeys.accessPrefixOf(it.key()));
            }
            it.status();
        }
        return prefixes;
    }

    /** Every manifest, in digest order. */
    public void forEachManifest(Consumer<ManifestRecord> visitor) {
        call("scan manifests", () -> {
            try (RocksIterator it = db.newIterator(manifests)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    Digest digest = digestOf(it.key());
                    visitor.accept(IndexValues.manifest(digest, it.value()));
                }
                it.status();
            }
            return null;
        });
    }

    /** Every tag, in key order. */
    public void forEachTag(BiConsumer<TagKey, TagRecord> visitor) {
        call("scan tags", () -> {
            try (RocksIterator it = db.newIterator(tags)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    List<String> names = IndexKeys.names(it.key());
                    visitor.accept(new TagKey(names.get(0), names.get(1), names.get(2)), IndexValues.tag(it.value()));
                }
                it.status();
            }
            return null;
        });
    }

    /** Drops a tag and its pull time. */
    public void deleteTag(TagKey key) {
        call("delete tag " + key, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                batch.delete(tags, IndexKeys.tag(key));
                batch.delete(pulls, IndexKeys.tagPull(key));
                db.write(writeOptions, batch);
                writes.increment();
            }
            return null;
        });
    }

    /** Drops a manifest and its pull time. */
    public void deleteManifest(Digest digest) {
        call("delete manifest " + digest, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                batch.delete(manifests, IndexKeys.digest(digest));
                batch.delete(pulls, IndexKeys.manifestPull(digest));
                db.write(writeOptions, batch);
                writes.increment();
            }
            return null;
        });
    }

    public Optional<Instant> manifestPull(Digest digest) {
        return call("get pull time of manifest " + digest, () -> Optional.ofNullable(db.get(pulls, IndexKeys.manifestPull(digest)))
                .map(IndexValues::pull));
    }

    public Optional<Instant> tagPull(TagKey key) {
        return call("get pull time of tag " + key, () -> Optional.ofNullable(db.get(pulls, IndexKeys.tagPull(key)))
                .map(IndexValues::pull));
    }

    /**
     * Writes a batch of access times in one RocksDB write: blobs get their {@code lastAccess} raised (blobs without a
     * record are skipped: they were deleted, or never committed), manifests and tags their pull time.
     */
    public void recordAccesses(Map<Digest, Instant> blobAccesses, Map<Digest, Instant> manifestPulls, Map<TagKey, Instant> tagPulls) {
        writeBlobs("record " + (blobAccesses.size() + manifestPulls.size() + tagPulls.size()) + " access time(s)", () -> {
            try (WriteBatch batch = new WriteBatch()) {
                if (!blobAccesses.isEmpty()) {
                    for (BlobRecord record : storedBlobs(new ArrayList<>(blobAccesses.keySet()))) {
                        if (record == null) {
                            continue;
                        }
                        Instant access = blobAccesses.get(record.digest());
                        if (access.isAfter(record.lastAccess())) {
                            putBlob(batch, record.withLastAccess(access), record);
                        }
                    }
                }
                for (Map.Entry<Digest, Instant> pull : manifestPulls.entrySet()) {
                    batch.put(pulls, IndexKeys.manifestPull(pull.getKey()), IndexValues.pull(pull.getValue()));
                }
                for (Map.Entry<TagKey, Instant> pull : tagPulls.entrySet()) {
                    batch.put(pulls, IndexKeys.tagPull(pull.getKey()), IndexValues.pull(pull.getValue()));
                }
                if (batch.count() > 0) {
                    write(batch);
                }
            }
        });
    }

    /** Step one of publishing a blob: its record and a journal entry, in one write, before the file is renamed. */
    void beginPublish(BlobRecord record) {
        writeBlobs("begin publishing blob " + record.digest(), () -> {
            try (WriteBatch batch = new WriteBatch()) {
                putBlob(batch, record, storedBlob(record.digest()));
                batch.put(pending, IndexKeys.digest(record.digest()), new byte[0]);
                write(batch);
            }
        });
    }

    /** Step one of deleting a blob: a journal entry, before the file is unlinked. */
    void beginDelete(Digest digest) {
        call("begin deleting blob " + digest, () -> {
            db.put(pending, writeOptions, IndexKeys.digest(digest), new byte[0]);
            writes.increment();
            return null;
        });
    }

    /** The last step of publishing: the file is in place, so the journal entry goes. */
    void endPending(Digest digest) {
        call("end pending blob " + digest, () -> {
            db.delete(pending, writeOptions, IndexKeys.digest(digest));
            writes.increment();
            return null;
        });
    }

    /** The last step of deleting: the file is gone, so the record and the journal entry go, in one write. */
    void finishDelete(Digest digest) {
        writeBlobs("finish deleting blob " + digest, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                deleteBlob(batch, storedBlob(digest));
                batch.delete(pending, IndexKeys.digest(digest));
                write(batch);
            }
        });
    }

    /** The blobs a crash interrupted between their journal entry and its removal. */
    List<Digest> pending() {
        return call("list pending blobs", () -> {
            List<Digest> digests = new ArrayList<>();
            try (RocksIterator it = db.newIterator(pending)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    digests.add(digestOf(it.key()));
                }
                it.status();
            }
            return digests;
        });
    }

    /** Forgets that a repository was pulled (an admin purge); its tags are dropped separately. */
    public void deleteRepository(String upstream, String repository) {
        byte[] key = IndexKeys.repository(upstream, repository);
        call("delete repository " + upstream + "/" + repository, () -> {
            db.delete(repositories, writeOptions, key);
            writes.increment();
            return null;
        });
    }

    /** Closes the database. Waits for calls in progress; later calls throw {@link IllegalStateException}. */
    @Override
    public void close() {
        closeLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // A clean shutdown leaves nothing in the write-ahead log, so the next start has nothing to replay
            // (replaying a full memtable of a million records takes seconds).
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                db.flush(flush, List.of(defaultFamily, blobs, manifests, tags, repositories, pulls, pending, accessOrder));
            } catch (RocksDBException e) {
                // Not fatal: the WAL has every write, and the next open replays it.
            }
            // Column family handles before the database, as RocksJava requires; the database before the options,
            // because it uses them until it is closed.
            defaultFamily.close();
            blobs.close();
            manifests.close();
            tags.close();
            repositories.close();
            pulls.close();
            pending.close();
            accessOrder.close();
            db.close();
            writeOptions.close();
            columnFamilyOptions.close();
            dbOptions.close();
            tableResources.forEach(AbstractNativeReference::close);
        } finally {
            closeLock.writeLock().unlock();
        }
    }

    /**
     * Builds the access order from the blob records if it is not marked built: an index from before it, or a build a
     * crash interrupted (whatever that build wrote is cleared first). Runs in {@link #open}, before any other write.
     * The entries go in without the WAL, which would double the writing, and are flushed before the mark is written
     * with it: a crash before the mark loses at most a build that the next open redoes.
     */
    private void buildAccessOrderIfMissing() {
        call("build the access order", () -> {
            if (db.get(defaultFamily, ACCESS_ORDER_BUILT) != null) {
                return null;
            }
            long count = 0;
            try (WriteOptions withoutWal = new WriteOptions().setDisableWAL(true);
                 WriteBatch batch = new WriteBatch();
                 ReadOptions once = new ReadOptions().setFillCache(false);
                 RocksIterator it = db.newIterator(blobs, once);
                 FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                // Upstream names are UTF-8, and no UTF-8 byte is 0xFF: this range holds every access-order key.
                batch.deleteRange(accessOrder, new byte[0], new byte[] {(byte) 0xFF});
                it.seekToFirst();
                if (it.isValid()) {
                    // Once, on the first start after an upgrade: about 6 s at a million blobs.
                    log.info("Building the access order of the cache index at {}, for eviction", dir);
                }
                for (; it.isValid(); it.next()) {
                    BlobRecord record = IndexValues.blob(digestOf(it.key()), it.value());
                    batch.put(accessOrder, IndexKeys.access(record), IndexValues.accessOrder(record));
                    count++;
                    if (batch.count() >= 10_000) {
                        db.write(withoutWal, batch);
                        batch.clear();
                    }
                }
                it.status();
                db.write(withoutWal, batch);
                db.flush(flush, accessOrder);
                db.put(defaultFamily, writeOptions, ACCESS_ORDER_BUILT, new byte[] {1});
                writes.increment();
            }
            if (count > 0) {
                log.info("Built the access order of {} blob(s)", count);
            }
            return null;
        });
    }

    /** Adds to {@code batch} the writes that replace {@code old} (null for none) with {@code record}. */
    private void putBlob(WriteBatch batch, BlobRecord record, BlobRecord old) throws RocksDBException {
        if (old != null) {
            batch.delete(accessOrder, IndexKeys.access(old));
        }
        batch.put(blobs, IndexKeys.digest(record.digest()), IndexValues.blob(record));
        batch.put(accessOrder, IndexKeys.access(record), IndexValues.accessOrder(record));
    }

    /** Adds to {@code batch} the writes that remove {@code old}, if there is one. */
    private void deleteBlob(WriteBatch batch, BlobRecord old) throws RocksDBException {
        if (old != null) {
            batch.delete(blobs, IndexKeys.digest(old.digest()));
            batch.delete(accessOrder, IndexKeys.access(old));
        }
    }

    /** The stored record of {@code digest}, or null. */
    private BlobRecord storedBlob(Digest digest) throws RocksDBException {
        byte[] value = db.get(blobs, IndexKeys.digest(digest));
        return value == null ? null : IndexValues.blob(digest, value);
    }

    /** The stored records of {@code digests}, in the same order, null where there is none; one multi-get. */
    private List<BlobRecord> storedBlobs(List<Digest> digests) throws RocksDBException {
        List<ColumnFamilyHandle> families = new ArrayList<>(digests.size());
        List<byte[]> keys = new ArrayList<>(digests.size());
        for (Digest digest : digests) {
            families.add(blobs);
            keys.add(IndexKeys.digest(digest));
        }
        List<byte[]> values = db.multiGetAsList(families, keys);
        List<BlobRecord> records = new ArrayList<>(digests.size());
        for (int i = 0; i < digests.size(); i++) {
            records.add(values.get(i) == null ? null : IndexValues.blob(digests.get(i), values.get(i)));
        }
        return records;
    }

    private void write(WriteBatch batch) throws RocksDBException {
        db.write(writeOptions, batch);
        writes.increment();
    }

    private static Digest digestOf(byte[] key) {
        return Digest.parse(new String(key, StandardCharsets.UTF_8));
    }

    private interface RocksCall<T> {
        T run() throws RocksDBException;
    }

    private interface RocksWrite {
        void run() throws RocksDBException;
    }

    /** A {@link #call} that reads and rewrites blob records, holding {@link #blobWrites}. */
    private void writeBlobs(String action, RocksWrite write) {
        call(action, () -> {
            blobWrites.lock();
            try {
                write.run();
            } finally {
                blobWrites.unlock();
            }
            return null;
        });
    }

    private <T> T call(String action, RocksCall<T> call) {
        closeLock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the cache index at " + dir + " is closed");
            }
            return call.run();
        } catch (RocksDBException e) {
            throw new IndexException("cache index at " + dir + ": " + action + " failed: " + e.getMessage(), e);
        } finally {
            closeLock.readLock().unlock();
        }
    }

    private static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }
}
