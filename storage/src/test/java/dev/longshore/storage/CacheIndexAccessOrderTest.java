package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/** The blobs in order of last access, which eviction reads from its oldest end instead of scanning every blob. */
class CacheIndexAccessOrderTest {

    private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");

    @TempDir
    Path dir;

    private CacheIndex index;

    @BeforeEach
    void open() throws IOException {
        index = CacheIndex.open(dir);
    }

    @AfterEach
    void close() {
        index.close();
    }

    @Test
    void accessOrder_afterAccessTimesAreRecorded_putsTheLeastRecentlyAccessedFirst() {
        index.putBlob(blob(1, 10, "docker.io"));
        index.putBlob(blob(2, 20, "docker.io"));
        index.putBlob(blob(3, 30, "docker.io"));

        // 1 was used last; an access older than what the index has (2's) changes nothing.
        index.recordAccesses(Map.of(digest(1), T0.plusSeconds(40), digest(2), T0.plusSeconds(5)), Map.of(), Map.of());

        assertThat(byAccess(null)).extracting(BlobRecord::digest).containsExactly(digest(2), digest(3), digest(1));
        assertThat(EvictionCandidates.oldest(index, "docker.io", 150, d -> false)).containsExactly(
                new BlobRecord(digest(2), 100, T0.plusSeconds(20), "docker.io"),
                new BlobRecord(digest(3), 100, T0.plusSeconds(30), "docker.io"));
        assertInStepWithBlobRecords();
    }

    @Test
    void accessOrder_perUpstream_holdsOnlyThatUpstreamsBlobs_whileNullMergesEveryUpstreamByTime() {
        index.putBlob(blob(1, 10, "ghcr.io"));
        index.putBlob(blob(2, 20, "docker.io"));
        index.putBlob(blob(3, 30, "ghcr.io"));
        index.putBlob(blob(4, 40, BlobRecord.UNKNOWN_UPSTREAM));
        index.putBlob(blob(5, 50, "docker.io"));
        // A name that extends another upstream's must not leak into it.
        index.putBlob(blob(6, 5, "docker.io.mirror"));

        assertThat(byAccess("docker.io")).extracting(BlobRecord::digest).containsExactly(digest(2), digest(5));
        assertThat(byAccess("ghcr.io")).extracting(BlobRecord::digest).containsExactly(digest(1), digest(3));
        assertThat(byAccess(BlobRecord.UNKNOWN_UPSTREAM)).extracting(BlobRecord::digest).containsExactly(digest(4));
        assertThat(byAccess("quay.io")).isEmpty();
        assertThat(byAccess(null)).extracting(BlobRecord::digest)
                .containsExactly(digest(6), digest(1), digest(2), digest(3), digest(4), digest(5));
        assertThat(EvictionCandidates.oldest(index, "ghcr.io", 150, d -> false)).extracting(BlobRecord::upstream)
                .containsOnly("ghcr.io");
    }

    @Test
    void forEachBlobByAccess_stopsAsSoonAsTheVisitorHasEnough() {
        for (int i = 1; i <= 5; i++) {
            index.putBlob(blob(i, i, i % 2 == 0 ? "a" : "b"));
        }
        List<Digest> visited = new ArrayList<>();

        index.forEachBlobByAccess(null, record -> {
            visited.add(record.digest());
            return visited.size() < 2;
        });

        assertThat(visited).containsExactly(digest(1), digest(2));
    }

    @Test
    void accessOrder_staysInStepWithBlobRecords_throughOverwritesDeletesPublishesAndBatches() {
        index.putBlob(blob(1, 10, "a"));
        index.putBlob(blob(1, 60, "b")); // an overwrite moves the blob, it does not copy it
        index.putBlobs(List.of(blob(2, 20, "a"), blob(3, 30, "a"), blob(2, 70, "a")));
        index.beginPublish(blob(4, 40, "a"));
        index.endPending(digest(4));
        index.beginDelete(digest(3));
        index.finishDelete(digest(3));
        index.deleteBlob(digest(4));
        index.recordAccesses(Map.of(digest(1), T0.plusSeconds(80), digest(99), T0), Map.of(), Map.of());

        assertThat(byAccess(null)).containsExactly(
                new BlobRecord(digest(2), 100, T0.plusSeconds(70), "a"),
                new BlobRecord(digest(1), 100, T0.plusSeconds(80), "b"));
        assertInStepWithBlobRecords();
    }

    @Test
    void accessOrder_survivesReopen() throws IOException {
        index.putBlob(blob(1, 30, "a"));
        index.putBlob(blob(2, 10, "b"));
        index.recordAccesses(Map.of(digest(2), T0.plusSeconds(50)), Map.of(), Map.of());

        index.close();
        index = CacheIndex.open(dir);

        assertThat(byAccess(null)).extracting(BlobRecord::digest).containsExactly(digest(1), digest(2));
        assertInStepWithBlobRecords();
    }

    @Test
    void open_indexFromBeforeTheAccessOrder_buildsItFromTheBlobRecords() throws Exception {
        index.close();
        Path old = dir.resolve("old");
        writeOldIndex(old, List.of(blob(1, 30, "a"), blob(2, 10, "b"), blob(3, 20, "a")));

        index = CacheIndex.open(old);

        assertThat(byAccess(null)).extracting(BlobRecord::digest).containsExactly(digest(2), digest(3), digest(1));
        assertThat(byAccess("a")).extracting(BlobRecord::digest).containsExactly(digest(3), digest(1));
        assertInStepWithBlobRecords();
    }

    @Test
    void open_afterAnInterruptedBuild_rebuildsTheAccessOrderWithoutWhatTheBuildLeft() throws Exception {
        index.putBlob(blob(1, 30, "a"));
        index.close();
        // What a crash in the middle of a build leaves: no mark, and an entry that no blob record has.
        try (DBOptions options = new DBOptions(); Options listOptions = new Options()) {
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (byte[] name : RocksDB.listColumnFamilies(listOptions, dir.toString())) {
                descriptors.add(new ColumnFamilyDescriptor(name));
            }
            try (RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
                db.delete(handles.get(0), "access-order-built".getBytes(StandardCharsets.UTF_8));
                ColumnFamilyHandle accessOrder = handles.get(names(descriptors).indexOf("access-order"));
                BlobRecord ghost = blob(9, 1, "a");
                db.put(accessOrder, IndexKeys.access(ghost), IndexValues.accessOrder(ghost));
                handles.forEach(ColumnFamilyHandle::close);
            }
        }

        index = CacheIndex.open(dir);

        assertThat(byAccess(null)).extracting(BlobRecord::digest).containsExactly(digest(1));
    }

    /** Every blob record has exactly its entry in the access order, and the order holds nothing else. */
    private void assertInStepWithBlobRecords() {
        List<BlobRecord> records = new ArrayList<>();
        index.forEachBlob(records::add);
        assertThat(byAccess(null)).containsExactlyInAnyOrderElementsOf(records);
    }

    private List<BlobRecord> byAccess(String upstream) {
        List<BlobRecord> records = new ArrayList<>();
        index.forEachBlobByAccess(upstream, records::add);
        return records;
    }

    /** An index as releases before the access order wrote it: seven column families and blob records only. */
    private static void writeOldIndex(Path at, List<BlobRecord> blobs) throws RocksDBException {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
        for (String name : List.of("blobs", "manifests", "tags", "repositories", "pulls", "pending")) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8)));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
             RocksDB db = RocksDB.open(options, at.toString(), descriptors, handles)) {
            for (BlobRecord blob : blobs) {
                db.put(handles.get(1), IndexKeys.digest(blob.digest()), IndexValues.blob(blob));
            }
            handles.forEach(ColumnFamilyHandle::close);
        }
    }

    private static List<String> names(List<ColumnFamilyDescriptor> descriptors) {
        return descriptors.stream().map(d -> new String(d.getName(), StandardCharsets.UTF_8)).toList();
    }

    private static BlobRecord blob(int i, int secondsAfterT0, String upstream) {
        return new BlobRecord(digest(i), 100, T0.plusSeconds(secondsAfterT0), upstream);
    }

    private static Digest digest(int i) {
        return Digest.sha256Of(new byte[] {(byte) i});
    }
}
