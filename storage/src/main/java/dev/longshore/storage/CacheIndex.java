package dev.longshore.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * The metadata index, in RocksDB, one column family per kind of record: blobs, manifests, tags, repositories.
 * This is the only class that touches RocksDB. Keys are laid out by {@link IndexKeys} so that listings are prefix
 * scans, values by {@link IndexValues}.
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
    private final ReadWriteLock closeLock = new ReentrantReadWriteLock();
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
    }

    /** Opens or creates the index in {@code dir}. RocksDB's lock file keeps a second opener, in any process, out. */
    public static CacheIndex open(Path dir) throws IOException {
        Files.createDirectories(dir);
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                // Every open rolls RocksDB's info LOG; the default keeps 1000 of them.
                .setKeepLogFileNum(5);
        ColumnFamilyOptions columnFamilyOptions = new ColumnFamilyOptions();
        WriteOptions writeOptions = new WriteOptions().setDisableWAL(false).setSync(false);
        List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("blobs"), columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("manifests"), columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("tags"), columnFamilyOptions),
                new ColumnFamilyDescriptor(bytes("repositories"), columnFamilyOptions));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            return new CacheIndex(dir, dbOptions, columnFamilyOptions, writeOptions, db, handles);
        } catch (RocksDBException e) {
            // open() hands out no handles when it fails, so only the options need closing.
            writeOptions.close();
            columnFamilyOptions.close();
            dbOptions.close();
            throw new IOException("cannot open the RocksDB cache index at " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public void putBlob(BlobRecord record) {
        call("put blob " + record.digest(), () -> {
            db.put(blobs, writeOptions, IndexKeys.digest(record.digest()), IndexValues.blob(record));
            return null;
        });
    }

    public Optional<BlobRecord> blob(Digest digest) {
        return call("get blob " + digest, () -> {
            byte[] value = db.get(blobs, IndexKeys.digest(digest));
            return value == null ? Optional.empty() : Optional.of(IndexValues.blob(digest, value));
        });
    }

    public void deleteBlob(Digest digest) {
        call("delete blob " + digest, () -> {
            db.delete(blobs, writeOptions, IndexKeys.digest(digest));
            return null;
        });
    }

    public void putManifest(ManifestRecord record) {
        call("put manifest " + record.digest(), () -> {
            db.put(manifests, writeOptions, IndexKeys.digest(record.digest()), IndexValues.manifest(record));
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

    /** Closes the database. Waits for calls in progress; later calls throw {@link IllegalStateException}. */
    @Override
    public void close() {
        closeLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // Column family handles before the database, as RocksJava requires; the database before the options,
            // because it uses them until it is closed.
            defaultFamily.close();
            blobs.close();
            manifests.close();
            tags.close();
            repositories.close();
            db.close();
            writeOptions.close();
            columnFamilyOptions.close();
            dbOptions.close();
        } finally {
            closeLock.writeLock().unlock();
        }
    }

    private interface RocksCall<T> {
        T run() throws RocksDBException;
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
