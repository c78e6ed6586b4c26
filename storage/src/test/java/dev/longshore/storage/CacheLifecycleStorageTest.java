package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What eviction and crash safety rest on: batched access times, usage counts, the publish journal, the data-dir lock. */
class CacheLifecycleStorageTest {

    private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");

    @TempDir
    Path dataDir;

    private final TestClock clock = new TestClock();
    private CacheStorage storage;

    @BeforeEach
    void open() throws IOException {
        storage = CacheStorage.open(dataDir, clock);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void hits_recordAccessInMemory_andOneFlushWritesThemAllInOneWrite() throws IOException {
        List<StoredBlob> blobs = List.of(store(1, 10), store(2, 10), store(3, 10));
        clock.now = T0.plus(Duration.ofHours(1));
        long writesBefore = storage.index().writes();

        for (int i = 0; i < 100; i++) {
            for (StoredBlob blob : blobs) {
                assertThat(storage.useBlob(blob.digest())).isPresent();
            }
        }
        assertThat(storage.index().writes()).as("no write per hit").isEqualTo(writesBefore);
        assertThat(storage.index().blob(blobs.get(0).digest()).orElseThrow().lastAccess()).isEqualTo(T0);

        assertThat(storage.flushAccesses()).isEqualTo(3);

        assertThat(storage.index().writes()).as("one batch").isEqualTo(writesBefore + 1);
        for (StoredBlob blob : blobs) {
            assertThat(storage.index().blob(blob.digest()).orElseThrow().lastAccess()).isEqualTo(clock.now);
        }
        assertThat(storage.flushAccesses()).as("nothing left").isZero();
        assertThat(storage.index().writes()).isEqualTo(writesBefore + 1);
    }

    @Test
    void usage_countsPublishedBlobsPerUpstream_andSurvivesAReopen() throws IOException {
        store(1, 100, "docker.io");
        store(2, 50, "ghcr.io");
        StoredBlob third = store(3, 7, "docker.io");
        storage.deleteBlob(third.digest());

        assertThat(storage.usage().totalBytes()).isEqualTo(150);
        assertThat(storage.usage().bytes("docker.io")).isEqualTo(100);
        assertThat(storage.usage().bytes("ghcr.io")).isEqualTo(50);

        storage.close();
        storage = CacheStorage.open(dataDir, clock);
        assertThat(storage.usage().totalBytes()).isEqualTo(150);
        assertThat(storage.usage().bytes("docker.io")).isEqualTo(100);
        assertThat(storage.usage().blobCount()).isEqualTo(2);
    }

    @Test
    void evict_spares_aBlobUsedSinceItWasPicked() throws IOException {
        StoredBlob blob = store(1, 10);
        BlobRecord picked = storage.index().blob(blob.digest()).orElseThrow();
        clock.now = T0.plusSeconds(60);
        storage.useBlob(blob.digest());

        assertThat(storage.evict(picked)).as("access still in memory").isFalse();
        storage.flushAccesses();
        assertThat(storage.evict(picked)).as("access flushed: newer than when picked").isFalse();
        assertThat(storage.findBlob(blob.digest())).isPresent();

        assertThat(storage.evict(storage.index().blob(blob.digest()).orElseThrow())).isTrue();
        assertThat(storage.findBlob(blob.digest())).isEmpty();
        assertThat(storage.index().blob(blob.digest())).isEmpty();
    }

    @Test
    void aReaderThatHasTheFileOpen_keepsReadingItWhole_afterItIsEvicted() throws IOException {
        byte[] content = bytes(256 * 1024, 9);
        StoredBlob blob = store(content, "docker.io");
        try (FileChannel reader = FileChannel.open(blob.path(), StandardOpenOption.READ)) {
            ByteBuffer first = ByteBuffer.allocate(1000);
            reader.read(first);

            assertThat(storage.evict(storage.index().blob(blob.digest()).orElseThrow())).isTrue();
            assertThat(Files.exists(blob.path())).isFalse();

            ByteBuffer all = ByteBuffer.allocate(content.length);
            all.put(first.flip());
            while (all.hasRemaining() && reader.read(all) > 0) {
                // read on from the unlinked inode
            }
            assertThat(Digest.sha256Of(all.array())).isEqualTo(blob.digest());
        }
    }

    @Test
    void open_settlesAPublishACrashInterrupted_beforeAndAfterTheRename() throws IOException {
        byte[] renamed = bytes(10, 1);
        byte[] notRenamed = bytes(10, 2);
        StoredBlob published = store(renamed, "docker.io");
        // A crash after the record and journal entry, before the rename:
        storage.index().beginPublish(new BlobRecord(Digest.sha256Of(notRenamed), 10, T0, "docker.io"));
        // A crash after the rename, before the journal entry went:
        storage.index().beginPublish(new BlobRecord(published.digest(), 10, T0, "docker.io"));
        // A crash after an eviction's journal entry and unlink, before the record went:
        StoredBlob evicted = store(bytes(10, 3), "docker.io");
        storage.index().beginDelete(evicted.digest());
        Files.delete(evicted.path());
        storage.close();

        storage = CacheStorage.open(dataDir, clock);

        assertThat(storage.index().pending()).isEmpty();
        assertThat(storage.index().blob(Digest.sha256Of(notRenamed))).isEmpty();
        assertThat(storage.index().blob(published.digest())).isPresent();
        assertThat(storage.index().blob(evicted.digest())).isEmpty();
        assertThat(storage.usage().totalBytes()).isEqualTo(10);
    }

    @Test
    void reconcile_indexesFilesWithoutARecord_andDropsRecordsWithoutAFile() throws IOException {
        StoredBlob orphan = store(bytes(20, 1), "docker.io");
        StoredBlob lost = store(bytes(30, 2), "docker.io");
        storage.index().deleteBlob(orphan.digest()); // as after a power loss took the last index writes
        Files.delete(lost.path());                   // as after a hand in blobs/
        storage.close();
        storage = CacheStorage.open(dataDir, clock);

        CacheStorage.Reconciliation done = storage.reconcile();

        assertThat(done).isEqualTo(new CacheStorage.Reconciliation(1, 1));
        assertThat(storage.index().blob(orphan.digest()).orElseThrow().size()).isEqualTo(20);
        assertThat(storage.index().blob(lost.digest())).isEmpty();
        assertThat(storage.usage().totalBytes()).isEqualTo(20);
        assertThat(storage.reconcile().changedAnything()).isFalse();
    }

    @Test
    void open_whileAnotherStorageHasTheDataDir_failsNamingTheDirectory() {
        assertThatThrownBy(() -> CacheStorage.open(dataDir, clock))
                .isInstanceOf(DataDirectoryInUseException.class)
                .hasMessageContaining(dataDir.toAbsolutePath().toString())
                .hasMessageContaining("in use by another Longshore");
    }

    @Test
    void evictionCandidates_areTheLeastRecentlyAccessed_coveringTheBytesNeeded_skippingKeptOnes() {
        CacheIndex index = storage.index();
        for (int i = 0; i < 10; i++) {
            index.putBlob(new BlobRecord(digest(i), 100, T0.plusSeconds(10 - i), i % 2 == 0 ? "a" : "b"));
        }
        // Oldest first: 9, 8, 7, ...
        assertThat(EvictionCandidates.oldest(index, null, 250, d -> false)).extracting(BlobRecord::digest)
                .containsExactly(digest(9), digest(8), digest(7));
        assertThat(EvictionCandidates.oldest(index, null, 250, d -> d.equals(digest(8)))).extracting(BlobRecord::digest)
                .containsExactly(digest(9), digest(7), digest(6));
        assertThat(EvictionCandidates.oldest(index, "a", 150, d -> false)).extracting(BlobRecord::digest)
                .containsExactly(digest(8), digest(6));
        assertThat(EvictionCandidates.oldest(index, null, 0, d -> false)).isEmpty();
        assertThat(EvictionCandidates.oldest(index, null, 5000, d -> false)).hasSize(10);
    }

    private StoredBlob store(int seed, int size) throws IOException {
        return store(bytes(size, seed), "docker.io");
    }

    private StoredBlob store(int seed, int size, String upstream) throws IOException {
        return store(bytes(size, seed), upstream);
    }

    private StoredBlob store(byte[] content, String upstream) throws IOException {
        try (BlobWriter writer = storage.blobs().newWriter(Digest.sha256Of(content))) {
            writer.write(ByteBuffer.wrap(content));
            return storage.commit(writer, upstream);
        }
    }

    private static byte[] bytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static Digest digest(int i) {
        return Digest.sha256Of(new byte[] {(byte) i});
    }

    private static final class TestClock extends Clock {
        volatile Instant now = T0;

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
