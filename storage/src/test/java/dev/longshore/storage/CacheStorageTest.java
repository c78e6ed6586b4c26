package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheStorageTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final byte[] CONTENT = "a layer".getBytes(StandardCharsets.UTF_8);
    private static final Digest CONTENT_DIGEST = Digest.sha256Of(CONTENT);
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path dataDir;

    private CacheStorage storage;

    @BeforeEach
    void open() throws IOException {
        storage = CacheStorage.open(dataDir, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void open_createsBlobsTmpAndIndexUnderDataDir() {
        assertThat(dataDir.resolve("blobs")).isDirectory();
        assertThat(dataDir.resolve("tmp")).isDirectory();
        assertThat(dataDir.resolve("index")).isDirectory();
    }

    @Test
    void commit_indexesBlobWithSizeAndClockTime() throws IOException {
        StoredBlob blob;
        try (BlobWriter writer = storage.blobs().newWriter(CONTENT_DIGEST)) {
            writer.write(ByteBuffer.wrap(CONTENT));
            blob = storage.commit(writer);
        }

        assertThat(storage.findBlob(CONTENT_DIGEST)).contains(blob);
        assertThat(storage.index().blob(CONTENT_DIGEST)).contains(new BlobRecord(CONTENT_DIGEST, CONTENT.length, NOW));
    }

    @Test
    void commit_wrongDigest_indexesNothing() throws IOException {
        Digest wrong = Digest.sha256Of("not it".getBytes(StandardCharsets.UTF_8));
        try (BlobWriter writer = storage.blobs().newWriter(wrong)) {
            writer.write(ByteBuffer.wrap(CONTENT));
            assertThatThrownBy(() -> storage.commit(writer)).isInstanceOf(DigestMismatchException.class);
        }

        assertThat(storage.findBlob(wrong)).isEmpty();
        assertThat(storage.index().blob(wrong)).isEmpty();
    }

    @Test
    void findBlob_indexedButFileMissing_isMiss() {
        storage.index().putBlob(new BlobRecord(CONTENT_DIGEST, CONTENT.length, NOW));

        assertThat(storage.findBlob(CONTENT_DIGEST)).isEmpty();
    }

    @Test
    void deleteBlob_removesFileAndIndexEntry() throws IOException {
        try (BlobWriter writer = storage.blobs().newWriter(CONTENT_DIGEST)) {
            writer.write(ByteBuffer.wrap(CONTENT));
            storage.commit(writer);
        }

        assertThat(storage.deleteBlob(CONTENT_DIGEST)).isTrue();

        assertThat(storage.findBlob(CONTENT_DIGEST)).isEmpty();
        assertThat(storage.index().blob(CONTENT_DIGEST)).isEmpty();
    }

    @Test
    void manifest_afterPut_isServedFromMemoryNotTheIndex() {
        ManifestRecord record = manifest("{}");
        storage.putManifest(record);
        // Bypass the cache to make the index disagree; only a cached read still returns the original.
        storage.index().putManifest(new ManifestRecord(record.digest(), OCI_MANIFEST, new byte[] {9}));

        assertThat(storage.manifest(record.digest())).contains(record);
    }

    @Test
    void manifest_onlyInIndex_isLoadedAndMissIsNotCached() {
        ManifestRecord indexed = manifest("{\"a\":1}");
        ManifestRecord later = manifest("{\"b\":2}");
        storage.index().putManifest(indexed);

        assertThat(storage.manifest(indexed.digest())).contains(indexed);
        assertThat(storage.manifest(later.digest())).isEmpty();
        storage.putManifest(later);
        assertThat(storage.manifest(later.digest())).contains(later);
    }

    @Test
    void tag_readsThroughCache_andPutReplacesCachedValue() {
        TagKey key = new TagKey("docker.io", "library/redis", "7");
        TagRecord first = new TagRecord(Digest.sha256Of(new byte[] {1}), NOW);
        TagRecord bypassed = new TagRecord(Digest.sha256Of(new byte[] {2}), NOW);
        TagRecord second = new TagRecord(Digest.sha256Of(new byte[] {3}), NOW.plusSeconds(30));

        storage.putTag(key, first);
        assertThat(storage.tag(key)).contains(first);

        storage.index().putTag(key, bypassed);
        assertThat(storage.tag(key)).as("served from memory").contains(first);

        storage.putTag(key, second);
        assertThat(storage.tag(key)).contains(second);
        assertThat(storage.tag(new TagKey("docker.io", "library/redis", "6"))).isEmpty();
    }

    @Test
    void ifCachedLookups_answerFromMemoryOnly_andSeeWhatPutsAndLoadsLeft() {
        TagKey key = new TagKey("docker.io", "library/redis", "7");
        ManifestRecord manifest = manifest("{\"c\":3}");
        storage.index().putManifest(manifest);
        storage.index().putTag(key, new TagRecord(manifest.digest(), NOW));

        assertThat(storage.tagIfCached(key)).as("only in the index").isEmpty();
        assertThat(storage.manifestIfCached(manifest.digest())).as("only in the index").isEmpty();

        TagRecord loaded = storage.tag(key).orElseThrow();
        storage.manifest(manifest.digest());
        assertThat(storage.tagIfCached(key)).contains(loaded);
        assertThat(storage.manifestIfCached(manifest.digest())).contains(manifest);

        TagRecord moved = new TagRecord(Digest.sha256Of(new byte[] {4}), NOW.plusSeconds(60));
        storage.putTag(key, moved);
        assertThat(storage.tagIfCached(key)).as("a put invalidates; the next tag() reads the index").isEmpty();
        assertThat(storage.tag(key)).contains(moved);
    }

    @Test
    void reopen_keepsBlobsManifestsAndTags() throws IOException {
        TagKey key = new TagKey("docker.io", "library/redis", "7");
        ManifestRecord record = manifest("{}");
        try (BlobWriter writer = storage.blobs().newWriter(CONTENT_DIGEST)) {
            writer.write(ByteBuffer.wrap(CONTENT));
            storage.commit(writer);
        }
        storage.putManifest(record);
        storage.putTag(key, new TagRecord(record.digest(), NOW));

        storage.close();
        storage = CacheStorage.open(dataDir);

        assertThat(storage.findBlob(CONTENT_DIGEST)).isPresent();
        assertThat(storage.manifest(record.digest())).contains(record);
        assertThat(storage.tag(key)).contains(new TagRecord(record.digest(), NOW));
    }

    @Test
    void open_dataDirAlreadyInUse_failsWithoutDeletingFillsInProgress() throws IOException {
        try (BlobWriter writer = storage.blobs().newWriter(CONTENT_DIGEST)) {
            writer.write(ByteBuffer.wrap(CONTENT));

            assertThatThrownBy(() -> CacheStorage.open(dataDir)).isInstanceOf(IOException.class);

            assertThat(writer.tempPath()).exists();
            assertThat(storage.commit(writer).size()).isEqualTo(CONTENT.length);
        }
    }

    private static ManifestRecord manifest(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return new ManifestRecord(Digest.sha256Of(bytes), OCI_MANIFEST, bytes);
    }
}
