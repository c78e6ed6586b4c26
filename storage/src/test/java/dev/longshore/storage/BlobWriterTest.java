package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobWriterTest {

    private static final byte[] CONTENT = "hello, longshore".getBytes(StandardCharsets.UTF_8);
    private static final Digest CONTENT_DIGEST = Digest.sha256Of(CONTENT);

    @TempDir
    Path dataDir;

    private BlobStore store;
    private StorageLayout layout;

    @BeforeEach
    void openStore() throws IOException {
        store = BlobStore.open(dataDir);
        layout = new StorageLayout(dataDir);
    }

    @Test
    void commit_rightDigest_movesFileToBlobPathAndRemovesTemp() throws IOException {
        Path temp;
        StoredBlob blob;
        try (BlobWriter writer = store.newWriter(CONTENT_DIGEST)) {
            temp = writer.tempPath();
            writer.write(ByteBuffer.wrap(CONTENT, 0, 5));
            writer.write(ByteBuffer.wrap(CONTENT, 5, CONTENT.length - 5));
            blob = writer.commit();
        }

        Path expectedPath = dataDir.resolve("blobs/sha256/" + CONTENT_DIGEST.hex().substring(0, 2) + "/" + CONTENT_DIGEST.hex());
        assertThat(blob).isEqualTo(new StoredBlob(CONTENT_DIGEST, expectedPath, CONTENT.length));
        assertThat(expectedPath).hasBinaryContent(CONTENT);
        assertThat(temp).doesNotExist();
        assertThat(store.find(CONTENT_DIGEST)).contains(blob);
    }

    @Test
    void commit_emptyBlob_commitsZeroBytes() throws IOException {
        Digest empty = Digest.sha256Of(new byte[0]);
        try (BlobWriter writer = store.newWriter(empty)) {
            assertThat(writer.commit().size()).isZero();
        }
        assertThat(layout.blobPath(empty)).isEmptyFile();
    }

    @Test
    void commit_sha512_verifiesWithSha512() throws Exception {
        Digest sha512 = Digest.of("sha512", MessageDigest.getInstance("SHA-512").digest(CONTENT));
        try (BlobWriter writer = store.newWriter(sha512)) {
            writer.write(ByteBuffer.wrap(CONTENT));
            assertThat(writer.commit().path()).isEqualTo(layout.blobPath(sha512));
        }
    }

    @Test
    void commit_wrongDigest_leavesNoFileAndThrows() throws IOException {
        Digest wrong = Digest.sha256Of("something else".getBytes(StandardCharsets.UTF_8));
        try (BlobWriter writer = store.newWriter(wrong)) {
            writer.write(ByteBuffer.wrap(CONTENT));

            assertThatThrownBy(writer::commit)
                    .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
                        assertThat(e.expected()).isEqualTo(wrong);
                        assertThat(e.actual()).isEqualTo(CONTENT_DIGEST);
                    });
            assertThat(writer.tempPath()).doesNotExist();
        }
        assertThat(layout.blobPath(wrong)).doesNotExist();
        assertThat(layout.blobPath(CONTENT_DIGEST)).doesNotExist();
        assertThat(layout.tmpDir()).isEmptyDirectory();
        assertThat(store.find(wrong)).isEmpty();
    }

    @Test
    void abort_withoutCommit_removesTempAndCommitsNothing() throws IOException {
        BlobWriter writer = store.newWriter(CONTENT_DIGEST);
        writer.write(ByteBuffer.wrap(CONTENT));

        writer.abort();

        assertThat(writer.tempPath()).doesNotExist();
        assertThat(store.find(CONTENT_DIGEST)).isEmpty();
        assertThatThrownBy(writer::commit).isInstanceOf(IllegalStateException.class);
        writer.abort(); // a second abort is harmless
    }

    @Test
    void close_withoutCommit_removesTemp() throws IOException {
        Path temp;
        try (BlobWriter writer = store.newWriter(CONTENT_DIGEST)) {
            temp = writer.tempPath();
            writer.write(ByteBuffer.wrap(CONTENT));
            assertThat(temp).exists();
        }
        assertThat(temp).doesNotExist();
        assertThat(store.find(CONTENT_DIGEST)).isEmpty();
    }

    @Test
    void close_afterCommit_keepsBlob() throws IOException {
        try (BlobWriter writer = store.newWriter(CONTENT_DIGEST)) {
            writer.write(ByteBuffer.wrap(CONTENT));
            writer.commit();
        }
        assertThat(layout.blobPath(CONTENT_DIGEST)).hasBinaryContent(CONTENT);
    }

    @Test
    void write_afterCommit_throwsIllegalState() throws IOException {
        try (BlobWriter writer = store.newWriter(CONTENT_DIGEST)) {
            writer.write(ByteBuffer.wrap(CONTENT));
            writer.commit();
            assertThatThrownBy(() -> writer.write(ByteBuffer.wrap(CONTENT))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void write_consumesBufferAndCountsBytes() throws IOException {
        try (BlobWriter writer = store.newWriter(CONTENT_DIGEST)) {
            ByteBuffer src = ByteBuffer.allocateDirect(CONTENT.length).put(CONTENT).flip();
            writer.write(src);

            assertThat(src.hasRemaining()).isFalse();
            assertThat(writer.written()).isEqualTo(CONTENT.length);
        }
    }

    @Test
    void tempFile_readableUpToWrittenWhileGrowing_andAfterCommit() throws IOException {
        byte[] first = "first chunk|".getBytes(StandardCharsets.UTF_8);
        byte[] second = "second chunk".getBytes(StandardCharsets.UTF_8);
        byte[] whole = (new String(first, StandardCharsets.UTF_8) + new String(second, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);

        try (BlobWriter writer = store.newWriter(Digest.sha256Of(whole))) {
            writer.write(ByteBuffer.wrap(first));
            try (FileChannel reader = FileChannel.open(writer.tempPath(), StandardOpenOption.READ)) {
                assertThat(readUpTo(reader, writer.written())).isEqualTo(first);

                writer.write(ByteBuffer.wrap(second));
                assertThat(readUpTo(reader, writer.written())).isEqualTo(second);

                writer.commit();
                // The reader's open file is the committed blob now: renamed, not copied.
                reader.position(0);
                assertThat(readUpTo(reader, whole.length)).isEqualTo(whole);
            }
        }
    }

    @Test
    void newWriter_sameDigestTwice_givesDistinctTempFiles() throws IOException {
        try (BlobWriter a = store.newWriter(CONTENT_DIGEST); BlobWriter b = store.newWriter(CONTENT_DIGEST)) {
            assertThat(a.tempPath()).isNotEqualTo(b.tempPath());
            assertThat(a.tempPath().getParent()).isEqualTo(layout.tmpDir());
        }
    }

    @Test
    void commit_sameDigestTwice_keepsOneIntactBlob() throws IOException {
        try (BlobWriter a = store.newWriter(CONTENT_DIGEST); BlobWriter b = store.newWriter(CONTENT_DIGEST)) {
            a.write(ByteBuffer.wrap(CONTENT));
            b.write(ByteBuffer.wrap(CONTENT));
            a.commit();
            b.commit();
        }
        assertThat(layout.blobPath(CONTENT_DIGEST)).hasBinaryContent(CONTENT);
        assertThat(layout.tmpDir()).isEmptyDirectory();
    }

    /** Reads from the reader's position up to {@code end}, as a tailing reader would. */
    private static byte[] readUpTo(FileChannel reader, long end) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) (end - reader.position()));
        while (buffer.hasRemaining()) {
            if (reader.read(buffer) < 0) {
                throw new IOException("end of file before " + end);
            }
        }
        return buffer.array();
    }
}
