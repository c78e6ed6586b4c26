package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

class CacheIndexTest {

    private static final Digest DIGEST = Digest.sha256Of("a".getBytes(StandardCharsets.UTF_8));
    private static final Digest OTHER = Digest.sha256Of("b".getBytes(StandardCharsets.UTF_8));
    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456789Z");
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

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
    void blob_putThenGet_roundTrips() {
        BlobRecord record = new BlobRecord(DIGEST, 123_456_789_012L, T0);

        index.putBlob(record);

        assertThat(index.blob(DIGEST)).contains(record);
        assertThat(index.blob(OTHER)).isEmpty();
    }

    @Test
    void blob_delete_removesOnlyThatBlob() {
        index.putBlob(new BlobRecord(DIGEST, 1, T0));
        index.putBlob(new BlobRecord(OTHER, 2, T0));

        index.deleteBlob(DIGEST);

        assertThat(index.blob(DIGEST)).isEmpty();
        assertThat(index.blob(OTHER)).isPresent();
    }

    @Test
    void manifest_putThenGet_roundTripsExactBytes() {
        byte[] bytes = "{\"schemaVersion\":2, \"note\":\"caf\u00e9 \u2603\"}\n".getBytes(StandardCharsets.UTF_8);
        ManifestRecord record = new ManifestRecord(DIGEST, OCI_MANIFEST, bytes);

        index.putManifest(record);

        ManifestRecord read = index.manifest(DIGEST).orElseThrow();
        assertThat(read).isEqualTo(record);
        assertThat(read.bytes()).containsExactly(bytes);
        assertThat(index.manifest(OTHER)).isEmpty();
    }

    @Test
    void manifest_largerThan64KiB_roundTrips() {
        byte[] bytes = new byte[200_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }

        index.putManifest(new ManifestRecord(DIGEST, OCI_MANIFEST, bytes));

        assertThat(index.manifest(DIGEST).orElseThrow().bytes()).isEqualTo(bytes);
    }

    @Test
    void tag_putThenGet_roundTripsAndOverwrites() {
        TagKey key = new TagKey("docker.io", "library/redis", "7");

        index.putTag(key, new TagRecord(DIGEST, T0));
        assertThat(index.tag(key)).contains(new TagRecord(DIGEST, T0));

        index.putTag(key, new TagRecord(OTHER, T0.plusSeconds(60)));
        assertThat(index.tag(key)).contains(new TagRecord(OTHER, T0.plusSeconds(60)));
        assertThat(index.tag(new TagKey("docker.io", "library/redis", "6"))).isEmpty();
    }

    @Test
    void tags_listsOneRepositorySorted() {
        for (String tag : new String[] {"latest", "1.0", "1.10", "1.2"}) {
            index.putTag(new TagKey("docker.io", "a/b", tag), new TagRecord(DIGEST, T0));
        }

        assertThat(index.tags("docker.io", "a/b")).containsExactly("1.0", "1.10", "1.2", "latest");
    }

    @Test
    void tags_repositoriesSharingAPrefix_doNotLeakIntoEachOther() {
        index.putTag(new TagKey("docker.io", "a/b", "x"), new TagRecord(DIGEST, T0));
        index.putTag(new TagKey("docker.io", "a/bc", "y"), new TagRecord(DIGEST, T0));
        index.putTag(new TagKey("docker.io", "a", "z"), new TagRecord(DIGEST, T0));
        index.putTag(new TagKey("docker.iox", "a/b", "w"), new TagRecord(DIGEST, T0));
        index.putTag(new TagKey("ghcr.io", "a/b", "v"), new TagRecord(DIGEST, T0));

        assertThat(index.tags("docker.io", "a/b")).containsExactly("x");
        assertThat(index.tags("docker.io", "a/bc")).containsExactly("y");
        assertThat(index.tags("docker.io", "a")).containsExactly("z");
        assertThat(index.tags("docker.io", "a/")).isEmpty();
        assertThat(index.tags("quay.io", "a/b")).isEmpty();
    }

    @Test
    void repositories_listsOneUpstreamSortedWithLastPull() {
        index.putRepository("docker.io", "library/redis", T0);
        index.putRepository("docker.io", "library/alpine", T0.plusSeconds(1));
        index.putRepository("docker.iox", "library/nginx", T0);
        index.putRepository("ghcr.io", "owner/tool", T0);
        index.putRepository("docker.io", "library/redis", T0.plusSeconds(5)); // a later pull overwrites

        assertThat(index.repositories("docker.io")).containsExactly(
                new RepositoryRecord("docker.io", "library/alpine", T0.plusSeconds(1)),
                new RepositoryRecord("docker.io", "library/redis", T0.plusSeconds(5)));
        assertThat(index.repositories("quay.io")).isEmpty();
    }

    @Test
    void keyParts_withNulOrEmpty_areRejected() {
        assertThatThrownBy(() -> index.putTag(new TagKey("docker.io", "a\0b", "x"), new TagRecord(DIGEST, T0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.tags("docker.io", ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.putRepository("", "a", T0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reopen_afterClose_keepsEveryRecordType() throws IOException {
        TagKey key = new TagKey("docker.io", "library/redis", "7");
        ManifestRecord manifest = new ManifestRecord(OTHER, OCI_MANIFEST, new byte[] {1, 2, 3});
        index.putBlob(new BlobRecord(DIGEST, 42, T0));
        index.putManifest(manifest);
        index.putTag(key, new TagRecord(OTHER, T0));
        index.putRepository("docker.io", "library/redis", T0);

        index.close();
        index = CacheIndex.open(dir);

        assertThat(index.blob(DIGEST)).contains(new BlobRecord(DIGEST, 42, T0));
        assertThat(index.manifest(OTHER)).contains(manifest);
        assertThat(index.tag(key)).contains(new TagRecord(OTHER, T0));
        assertThat(index.tags("docker.io", "library/redis")).containsExactly("7");
        assertThat(index.repositories("docker.io"))
                .containsExactly(new RepositoryRecord("docker.io", "library/redis", T0));
    }

    @Test
    void open_whileAlreadyOpen_failsNamingTheDirectory() {
        assertThatThrownBy(() -> CacheIndex.open(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString());
    }

    @Test
    void call_afterClose_throwsIllegalStateInsteadOfCrashing() {
        index.close();

        assertThatThrownBy(() -> index.blob(DIGEST)).isInstanceOf(IllegalStateException.class);
        index.close(); // closing twice is harmless
    }

    /** The blobs in order of last access, which eviction reads from its oldest end instead of scanning every blob. */
    @Nested
    class AccessOrder {

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
}
