package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
