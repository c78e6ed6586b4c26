package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {

    private static final byte[] CONTENT = "layer bytes".getBytes(StandardCharsets.UTF_8);
    private static final Digest CONTENT_DIGEST = Digest.sha256Of(CONTENT);

    @TempDir
    Path dataDir;

    @Test
    void open_emptyDir_createsLayout() throws IOException {
        BlobStore.open(dataDir);

        assertThat(dataDir.resolve("blobs")).isDirectory();
        assertThat(dataDir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void open_afterCrash_deletesLeftoverTempFilesButKeepsBlobs() throws IOException {
        BlobStore first = BlobStore.open(dataDir);
        StoredBlob committed = commit(first, CONTENT);
        // A fill the "crashed" process never finished, and something odd left in tmp/ by hand.
        BlobWriter unfinished = first.newWriter(Digest.sha256Of("other".getBytes(StandardCharsets.UTF_8)));
        unfinished.write(ByteBuffer.wrap("oth".getBytes(StandardCharsets.UTF_8)));
        Files.createDirectories(dataDir.resolve("tmp/stray/nested"));
        Files.writeString(dataDir.resolve("tmp/stray/nested/file.part"), "junk");

        BlobStore reopened = BlobStore.open(dataDir);

        assertThat(unfinished.tempPath()).doesNotExist();
        assertThat(dataDir.resolve("tmp")).isEmptyDirectory();
        assertThat(reopened.find(CONTENT_DIGEST)).contains(committed);
    }

    @Test
    void find_missingBlob_isEmpty() throws IOException {
        assertThat(BlobStore.open(dataDir).find(CONTENT_DIGEST)).isEmpty();
    }

    @Test
    void find_committedBlob_reportsPathAndSizeFromDisk() throws IOException {
        BlobStore store = BlobStore.open(dataDir);
        commit(store, CONTENT);

        StoredBlob found = store.find(CONTENT_DIGEST).orElseThrow();

        assertThat(found.path()).isEqualTo(new StorageLayout(dataDir).blobPath(CONTENT_DIGEST));
        assertThat(found.size()).isEqualTo(CONTENT.length);
    }

    @Test
    void delete_committedBlob_removesFileOnce() throws IOException {
        BlobStore store = BlobStore.open(dataDir);
        commit(store, CONTENT);

        assertThat(store.delete(CONTENT_DIGEST)).isTrue();
        assertThat(store.find(CONTENT_DIGEST)).isEmpty();
        assertThat(store.delete(CONTENT_DIGEST)).isFalse();
    }

    @Test
    void blobPath_shardsByFirstTwoHexChars() {
        Digest digest = Digest.parse("sha256:ab" + "0".repeat(62));

        assertThat(new StorageLayout(dataDir).blobPath(digest))
                .isEqualTo(dataDir.resolve("blobs").resolve("sha256").resolve("ab").resolve(digest.hex()));
    }

    private static StoredBlob commit(BlobStore store, byte[] content) throws IOException {
        try (BlobWriter writer = store.newWriter(Digest.sha256Of(content))) {
            writer.write(ByteBuffer.wrap(content));
            return writer.commit();
        }
    }
}
