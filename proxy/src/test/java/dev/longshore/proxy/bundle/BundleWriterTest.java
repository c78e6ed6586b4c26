package dev.longshore.proxy.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bundle's tar layout: what {@code longshore export} writes, read back entry by entry. */
class BundleWriterTest {

    @TempDir
    Path dir;

    private CacheStorage storage;
    private CacheFixture cache;

    @BeforeEach
    void open() throws IOException {
        storage = CacheStorage.open(dir.resolve("data"));
        cache = new CacheFixture(storage);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void export_writesOciLayout_indexNamingTheImage_andEveryBlobUnderItsDigest() throws IOException {
        ManifestRecord manifest = cache.image("amd64", 5000, 7000);
        cache.tag("docker.io", "library/alpine", "3.20", manifest);
        Path bundle = dir.resolve("bundle.tar");

        BundleWriter.Result result = new BundleWriter(storage, Progress.NONE).export(List.of(ImageReference.parse("alpine:3.20")), bundle);

        Map<String, byte[]> entries = read(bundle);
        assertThat(entries).containsKeys("oci-layout", "index.json", "blobs/", "blobs/sha256/");
        assertThat(new String(entries.get("oci-layout"), StandardCharsets.UTF_8)).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
        JsonNode index = Manifests.JSON.readTree(entries.get("index.json"));
        assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.path("manifests")).hasSize(1);
        JsonNode entry = index.path("manifests").get(0);
        assertThat(entry.path("mediaType").asText()).isEqualTo(Manifests.OCI_MANIFEST);
        assertThat(entry.path("digest").asText()).isEqualTo(manifest.digest().toString());
        assertThat(entry.path("size").asLong()).isEqualTo(manifest.bytes().length);
        assertThat(entry.path("annotations").path("org.opencontainers.image.ref.name").asText()).isEqualTo("docker.io/library/alpine:3.20");

        List<String> blobs = entries.keySet().stream().filter(n -> n.startsWith("blobs/sha256/") && !n.endsWith("/")).toList();
        assertThat(blobs).as("manifest, config, two layers").hasSize(4).contains("blobs/sha256/" + manifest.digest().hex());
        for (String name : blobs) {
            assertThat(Digest.sha256Of(entries.get(name)).hex()).as(name).isEqualTo(name.substring("blobs/sha256/".length()));
        }
        assertThat(result.blobs()).isEqualTo(3);
        assertThat(result.bytes()).isGreaterThan(12_000);
        assertThat(Files.exists(dir.resolve("bundle.tar.part"))).isFalse();
    }

    @Test
    void export_indexWithAPlatformNeverPulled_leavesItOut_andSaysSo() throws IOException {
        ManifestRecord index = cache.index(false);
        cache.tag("ghcr.io", "org/tool", "1", index);
        Path bundle = dir.resolve("bundle.tar");

        BundleWriter.Result result = new BundleWriter(storage, Progress.NONE).export(List.of(ImageReference.parse("ghcr.io/org/tool:1")), bundle);

        assertThat(result.manifests()).as("the index and its amd64 manifest").isEqualTo(2);
        assertThat(result.skipped()).singleElement().asString().contains("linux/arm64/v8");
        JsonNode entry = Manifests.JSON.readTree(read(bundle).get("index.json")).path("manifests").get(0);
        assertThat(entry.path("mediaType").asText()).isEqualTo(Manifests.OCI_INDEX);
        assertThat(entry.path("annotations").path("org.opencontainers.image.ref.name").asText()).isEqualTo("ghcr.io/org/tool:1");
    }

    @Test
    void export_imageNotCached_failsNamingIt_andWritesNothing() {
        Path bundle = dir.resolve("bundle.tar");

        assertThatThrownBy(() -> new BundleWriter(storage, Progress.NONE).export(List.of(ImageReference.parse("alpine:3.20")), bundle))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("docker.io/library/alpine:3.20 is not in the cache");
        assertThat(dir.resolve("bundle.tar")).doesNotExist();
        assertThat(dir.resolve("bundle.tar.part")).doesNotExist();
    }

    @Test
    void export_blobMissingFromTheCache_failsNamingTheBlob() throws IOException {
        ManifestRecord manifest = cache.image("amd64", 5000, 7000);
        cache.tag("docker.io", "library/alpine", "3.20", manifest);
        String layer = Manifests.parse(manifest).path("layers").get(1).path("digest").asText();
        storage.deleteBlob(Digest.parse(layer));
        Path bundle = dir.resolve("bundle.tar");

        assertThatThrownBy(() -> new BundleWriter(storage, Progress.NONE).export(List.of(ImageReference.parse("alpine:3.20")), bundle))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("blob " + layer)
                .hasMessageContaining("not in the cache");
        assertThat(bundle).doesNotExist();
    }

    @Test
    void export_sameImagesTwice_byteIdenticalBundles() throws IOException {
        ManifestRecord manifest = cache.image("amd64", 5000);
        cache.tag("docker.io", "library/alpine", "3.20", manifest);
        BundleWriter writer = new BundleWriter(storage, Progress.NONE);

        writer.export(List.of(ImageReference.parse("alpine:3.20")), dir.resolve("a.tar"));
        writer.export(List.of(ImageReference.parse("alpine:3.20")), dir.resolve("b.tar"));

        assertThat(Files.mismatch(dir.resolve("a.tar"), dir.resolve("b.tar"))).isEqualTo(-1);
    }

    /** Every entry of the tar in order, with its content (the test blobs are small). */
    static Map<String, byte[]> read(Path tar) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream file = Files.newInputStream(tar); TarArchiveInputStream in = new TarArchiveInputStream(file)) {
            TarArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                entries.put(entry.getName(), in.readAllBytes());
            }
        }
        return entries;
    }
}
