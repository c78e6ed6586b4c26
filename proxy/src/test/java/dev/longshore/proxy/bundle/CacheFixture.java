package dev.longshore.proxy.bundle;

import dev.longshore.storage.BlobWriter;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import dev.longshore.storage.TagKey;
import dev.longshore.storage.TagRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Puts small images into a cache the way a pull leaves them: blobs committed, manifests, tag and repository recorded. */
final class CacheFixture {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final CacheStorage storage;

    CacheFixture(CacheStorage storage) {
        this.storage = storage;
    }

    /** An OCI image manifest with a config and one layer per size, all cached; returns the manifest. */
    ManifestRecord image(String platform, int... layerSizes) throws IOException {
        return image(true, platform, layerSizes);
    }

    /** With {@code cache = false} nothing is stored: an image whose platform was never pulled. */
    ManifestRecord image(boolean cache, String platform, int... layerSizes) throws IOException {
        byte[] config = ("{\"architecture\":\"" + platform + "\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}")
                .getBytes(StandardCharsets.UTF_8);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", Manifests.OCI_MANIFEST);
        manifest.put("config", descriptor("application/vnd.oci.image.config.v1+json", blob(cache, config), config.length));
        List<Object> layers = new ArrayList<>();
        for (int size : layerSizes) {
            byte[] layer = new byte[size];
            new Random(size * 31L + platform.hashCode()).nextBytes(layer);
            layers.add(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", blob(cache, layer), size));
        }
        manifest.put("layers", layers);
        byte[] bytes = Manifests.JSON.writeValueAsBytes(manifest);
        return cache ? manifest(Manifests.OCI_MANIFEST, bytes) : new ManifestRecord(Digest.sha256Of(bytes), Manifests.OCI_MANIFEST, bytes);
    }

    /** A Docker schema 2 image (as {@code docker push} makes it) with one layer per size, all cached. */
    ManifestRecord dockerImage(int... layerSizes) throws IOException {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}".getBytes(StandardCharsets.UTF_8);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", Manifests.DOCKER_MANIFEST);
        manifest.put("config", descriptor("application/vnd.docker.container.image.v1+json", blob(config), config.length));
        List<Object> layers = new ArrayList<>();
        for (int size : layerSizes) {
            byte[] layer = new byte[size];
            new Random(size * 17L).nextBytes(layer);
            layers.add(descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", blob(layer), size));
        }
        manifest.put("layers", layers);
        return manifest(Manifests.DOCKER_MANIFEST, Manifests.JSON.writeValueAsBytes(manifest));
    }

    /** An OCI index over linux/amd64 and linux/arm64/v8; {@code cacheArm64 = false}: as an amd64 client's pull leaves it. */
    ManifestRecord index(boolean cacheArm64) throws IOException {
        ManifestRecord amd64 = image("amd64", 3000);
        ManifestRecord arm64 = image(cacheArm64, "arm64", 2000);
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", Manifests.OCI_INDEX);
        index.put("manifests", List.of(
                child(amd64, Map.of("os", "linux", "architecture", "amd64")),
                child(arm64, Map.of("os", "linux", "architecture", "arm64", "variant", "v8"))));
        return manifest(Manifests.OCI_INDEX, Manifests.JSON.writeValueAsBytes(index));
    }

    void tag(String upstream, String repository, String tag, ManifestRecord manifest) {
        storage.putTag(new TagKey(upstream, repository, tag), new TagRecord(manifest.digest(), T0));
        storage.index().putRepository(upstream, repository, T0);
    }

    Digest blob(byte[] bytes) throws IOException {
        return blob(true, bytes);
    }

    private Digest blob(boolean cache, byte[] bytes) throws IOException {
        Digest digest = Digest.sha256Of(bytes);
        if (!cache) {
            return digest;
        }
        try (BlobWriter writer = storage.blobs().newWriter(digest)) {
            writer.write(ByteBuffer.wrap(bytes));
            storage.commit(writer);
        }
        return digest;
    }

    ManifestRecord manifest(String mediaType, byte[] bytes) {
        ManifestRecord record = new ManifestRecord(Digest.sha256Of(bytes), mediaType, bytes);
        storage.putManifest(record);
        return record;
    }

    static Map<String, Object> descriptor(String mediaType, Digest digest, long size) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", digest.toString());
        d.put("size", size);
        return d;
    }

    private static Map<String, Object> child(ManifestRecord manifest, Map<String, String> platform) {
        Map<String, Object> d = descriptor(manifest.mediaType(), manifest.digest(), manifest.bytes().length);
        d.put("platform", platform);
        return d;
    }
}
