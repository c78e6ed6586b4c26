package dev.longshore.proxy.bundle;

import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import dev.longshore.storage.StorageLayout;
import dev.longshore.storage.TagKey;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code longshore import}: a bundle written by export loads into an empty cache; a corrupt one changes nothing. */
class BundleImporterTest {

    private static final Instant NOW = Instant.parse("2026-02-02T00:00:00Z");

    @TempDir
    Path dir;

    private CacheStorage source;
    private CacheStorage target;
    private ManifestRecord image;
    private ManifestRecord index;
    private Path bundle;

    @BeforeEach
    void exportTwoImages() throws IOException {
        source = CacheStorage.open(dir.resolve("source"));
        CacheFixture cache = new CacheFixture(source);
        image = cache.image("amd64", 5000, 7000);
        cache.tag("docker.io", "library/alpine", "3.20", image);
        index = cache.index(true);
        cache.tag("127.0.0.1:5000", "team/app", "1", index);
        bundle = dir.resolve("bundle.tar");
        new BundleWriter(source, Progress.NONE).export(
                List.of(ImageReference.parse("alpine:3.20"), ImageReference.parse("127.0.0.1:5000/team/app:1")), bundle);
        target = CacheStorage.open(dir.resolve("target"));
    }

    @AfterEach
    void close() {
        source.close();
        target.close();
    }

    @Test
    void import_exportedBundle_intoEmptyCache_recordsTagsUnderTheirUpstream_withManifestsAndBlobs() throws IOException {
        BundleImporter.Result result = importer().importBundle(bundle);

        assertThat(result.images()).isEqualTo(2);
        assertThat(result.blobsAlreadyCached()).isZero();
        assertThat(target.tag(new TagKey("docker.io", "library/alpine", "3.20")).orElseThrow().digest()).isEqualTo(image.digest());
        assertThat(target.tag(new TagKey("127.0.0.1:5000", "team/app", "1")).orElseThrow().digest()).isEqualTo(index.digest());
        assertThat(target.index().allRepositories()).extracting(r -> r.upstream() + "/" + r.repository())
                .containsExactly("127.0.0.1:5000/team/app", "docker.io/library/alpine");
        // Everything export found in the source is in the target, byte for byte.
        CachedImages imported = new CachedImages(target);
        CachedImages original = new CachedImages(source);
        for (String name : List.of("alpine:3.20", "127.0.0.1:5000/team/app:1")) {
            ImageContent want = original.content(ImageReference.parse(name));
            ImageContent got = imported.content(ImageReference.parse(name));
            assertThat(got.manifests()).isEqualTo(want.manifests());
            assertThat(got.blobs()).isEqualTo(want.blobs());
            for (Descriptor blob : got.blobs()) {
                assertThat(target.index().blob(blob.digest())).as("index record of %s", blob.digest()).isPresent();
                assertThat(Files.mismatch(target.findBlob(blob.digest()).orElseThrow().path(),
                        source.findBlob(blob.digest()).orElseThrow().path())).isEqualTo(-1);
            }
        }
        assertThat(result.manifests()).as("alpine, the index and its two platforms").isEqualTo(4);
    }

    @Test
    void exportThenImport_dockerTypedImage_othersSeeAnOciTwin_importRestoresTheUpstreamManifest() throws IOException {
        ManifestRecord docker = new CacheFixture(source).dockerImage(4000);
        new CacheFixture(source).tag("docker.io", "team/app", "2", docker);
        Path dockerBundle = dir.resolve("docker.tar");
        new BundleWriter(source, Progress.NONE).export(List.of(ImageReference.parse("team/app:2")), dockerBundle);

        var entry = Manifests.JSON.readTree(BundleWriterTest.read(dockerBundle).get("index.json")).path("manifests").get(0);
        assertThat(entry.path("mediaType").asText()).as("what skopeo can select by name").isEqualTo(Manifests.OCI_MANIFEST);
        assertThat(entry.path("annotations").path("dev.longshore.image.manifest").asText()).isEqualTo(docker.digest().toString());
        var twin = Manifests.JSON.readTree(BundleWriterTest.read(dockerBundle).get("blobs/sha256/" + entry.path("digest").asText().substring(7)));
        assertThat(twin.path("config").path("mediaType").asText()).isEqualTo("application/vnd.oci.image.config.v1+json");
        assertThat(twin.path("layers").get(0).path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
        assertThat(twin.path("layers").get(0).path("digest")).isEqualTo(Manifests.parse(docker).path("layers").get(0).path("digest"));

        importer().importBundle(dockerBundle);

        assertThat(target.tag(new TagKey("docker.io", "team/app", "2")).orElseThrow().digest()).isEqualTo(docker.digest());
        assertThat(target.manifest(docker.digest())).contains(docker);
    }

    @Test
    void import_sameBundleTwice_secondFindsEveryBlobCached() throws IOException {
        importer().importBundle(bundle);

        BundleImporter.Result again = importer().importBundle(bundle);

        assertThat(again.blobsAlreadyCached()).isEqualTo(again.blobs());
    }

    @Test
    void import_flippedByteInALayer_isRejectedNamingTheBlob_andNothingIsCommitted() throws IOException {
        String layer = Manifests.parse(image).path("layers").get(1).path("digest").asText();
        flipByte(bundle, "blobs/sha256/" + Digest.parse(layer).hex(), 1234);

        assertThatThrownBy(() -> importer().importBundle(bundle))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("blob " + layer)
                .hasMessageContaining("corrupt");

        assertNothingImported();
    }

    @Test
    void import_flippedByteInAManifest_isRejectedNamingIt_andNothingIsCommitted() throws IOException {
        flipByte(bundle, "blobs/sha256/" + index.digest().hex(), 10);

        assertThatThrownBy(() -> importer().importBundle(bundle))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("manifest " + index.digest())
                .hasMessageContaining("corrupt");

        assertNothingImported();
    }

    @Test
    void import_blobMissingFromTheBundle_isRejectedNamingIt() throws IOException {
        String config = Manifests.parse(image).path("config").path("digest").asText();
        Path partial = rewrite(bundle, (name, bytes) -> name.equals("blobs/sha256/" + Digest.parse(config).hex()) ? null : bytes);

        assertThatThrownBy(() -> importer().importBundle(partial))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("docker.io/library/alpine:3.20: blob " + config)
                .hasMessageContaining("missing from the bundle");
        assertNothingImported();
    }

    @Test
    void import_refNameWithoutRegistry_isRefusedSayingWhatItNeeds() throws IOException {
        Path shortNames = rewrite(bundle, (name, bytes) -> name.equals("index.json")
                ? new String(bytes, StandardCharsets.UTF_8).replace("docker.io/library/alpine:3.20", "3.20").getBytes(StandardCharsets.UTF_8)
                : bytes);

        assertThatThrownBy(() -> importer().importBundle(shortNames))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("'3.20' is not a full image name");
    }

    @Test
    void import_notAnOciLayout_isRefused() throws IOException {
        Path noLayout = rewrite(bundle, (name, bytes) -> name.equals("oci-layout") ? null : bytes);

        assertThatThrownBy(() -> importer().importBundle(noLayout))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("not an OCI image layout");
    }

    private BundleImporter importer() {
        return new BundleImporter(target, Clock.fixed(NOW, ZoneOffset.UTC), Progress.NONE);
    }

    private void assertNothingImported() throws IOException {
        assertThat(target.index().allRepositories()).isEmpty();
        assertThat(target.tag(new TagKey("docker.io", "library/alpine", "3.20"))).isEmpty();
        assertThat(target.manifest(image.digest())).isEmpty();
        assertThat(target.manifest(index.digest())).isEmpty();
        StorageLayout layout = target.blobs().layout();
        try (Stream<Path> files = Files.walk(layout.blobsDir())) {
            assertThat(files.filter(Files::isRegularFile).toList()).as("committed blobs").isEmpty();
        }
        try (Stream<Path> files = Files.walk(layout.tmpDir())) {
            assertThat(files.filter(Files::isRegularFile).toList()).as("temp files left behind").isEmpty();
        }
    }

    /** Flips one bit of the byte at {@code offset} in the entry's data, in place. */
    private static void flipByte(Path tar, String entryName, long offset) throws IOException {
        long position;
        try (TarFile file = new TarFile(tar)) {
            TarArchiveEntry entry = file.getEntries().stream().filter(e -> e.getName().equals(entryName)).findFirst().orElseThrow();
            assertThat(entry.getSize()).isGreaterThan(offset);
            position = entry.getDataOffset() + offset;
        }
        try (RandomAccessFile raf = new RandomAccessFile(tar.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x01);
        }
    }

    /** A copy of the tar with each entry's content mapped; a null content drops the entry. */
    private Path rewrite(Path tar, BiFunction<String, byte[], byte[]> map) throws IOException {
        Path out = dir.resolve("rewritten-" + System.nanoTime() + ".tar");
        Map<String, byte[]> entries = BundleWriterTest.read(tar);
        try (OutputStream file = Files.newOutputStream(out); TarArchiveOutputStream tarOut = new TarArchiveOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                byte[] bytes = e.getKey().endsWith("/") ? e.getValue() : map.apply(e.getKey(), e.getValue());
                if (bytes == null) {
                    continue;
                }
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getKey().endsWith("/") ? 0 : bytes.length);
                tarOut.putArchiveEntry(entry);
                tarOut.write(bytes);
                tarOut.closeArchiveEntry();
            }
        }
        return out;
    }
}
