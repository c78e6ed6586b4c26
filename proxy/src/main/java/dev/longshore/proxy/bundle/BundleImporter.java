package dev.longshore.proxy.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.proxy.pull.ManifestService;
import dev.longshore.storage.BlobWriter;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import dev.longshore.storage.TagKey;
import dev.longshore.storage.TagRecord;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code longshore import}: loads a bundle (see {@link BundleLayout}) into a cache. Every manifest is checked against
 * its digest when read and every blob while it streams into the blob store's temp dir; only when all of them match is
 * anything committed: blobs first, then manifests, then tags, so a tag never points at content that is not there.
 * A bundle with one wrong byte therefore changes nothing in the cache.
 *
 * <p>The bundle is read with random access ({@link TarFile}), so it may list its entries in any order, as bundles
 * written by other tools do. Each staged blob holds an open temp file until the commit; the JVM raises the open-file
 * limit to the hard limit, far above the blob count of any real bundle.
 */
public final class BundleImporter {

    /** What was loaded. */
    public record Result(int images, int manifests, int blobs, int blobsAlreadyCached, long bytes) {
    }

    private record Root(ImageReference image, Descriptor descriptor) {
    }

    private static final int BUFFER = 1024 * 1024;

    private final CacheStorage storage;
    private final Clock clock;
    private final Progress progress;

    public BundleImporter(CacheStorage storage, Clock clock, Progress progress) {
        this.storage = storage;
        this.clock = clock;
        this.progress = progress;
    }

    public Result importBundle(Path bundle) throws IOException {
        try (TarFile tar = open(bundle)) {
            Map<String, TarArchiveEntry> entries = new HashMap<>();
            for (TarArchiveEntry entry : tar.getEntries()) {
                if (entry.isFile()) {
                    entries.put(BundleLayout.normalize(entry.getName()), entry);
                }
            }
            requireLayout(tar, entries, bundle);
            List<Root> roots = roots(tar, entries, bundle);
            ManifestSource source = descriptor -> manifest(tar, entries, descriptor);

            Map<Digest, ManifestRecord> manifests = new LinkedHashMap<>();
            Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
            // The upstream a blob is charged to in the cache's usage: the first image's that needs it, as for pulls.
            Map<Digest, String> owners = new HashMap<>();
            for (Root root : roots) {
                ManifestRecord rootManifest = source.manifest(root.descriptor()).orElseThrow(() -> new BundleException(
                        root.image() + ": index.json names manifest " + root.descriptor().digest() + ", which is not in the bundle"));
                ImageContent content = ImageWalker.walk(root.image(), rootManifest, Optional.empty(), source);
                content.manifests().forEach(m -> manifests.putIfAbsent(m.digest(), m));
                for (Descriptor blob : content.blobs()) {
                    if (!entries.containsKey(BundleLayout.blobPath(blob.digest()))) {
                        throw new BundleException(root.image() + ": blob " + blob.digest() + " (" + blob.mediaType()
                                + ") is missing from the bundle");
                    }
                    blobs.putIfAbsent(blob.digest(), blob);
                    owners.putIfAbsent(blob.digest(), root.image().registry());
                }
            }

            long bytes = blobs.values().stream().mapToLong(Descriptor::size).sum();
            progress.begin(bundle.getFileName().toString(), bytes, blobs.size());
            List<BlobWriter> staged = new ArrayList<>();
            int alreadyCached = 0;
            try {
                for (Descriptor blob : blobs.values()) {
                    boolean cached = stage(tar, entries.get(BundleLayout.blobPath(blob.digest())), blob, staged);
                    alreadyCached += cached ? 1 : 0;
                    progress.itemDone(blob.shortDigest() + " " + Progress.size(blob.size()) + (cached ? ", already cached" : ", verified"));
                }
                for (BlobWriter writer : staged) {
                    storage.commit(writer, owners.get(writer.expected()));
                }
            } finally {
                staged.forEach(BlobWriter::close); // aborts those not committed
            }
            manifests.values().forEach(storage::putManifest);
            Instant now = clock.instant();
            for (Root root : roots) {
                ImageReference image = root.image();
                storage.index().putRepository(image.registry(), image.repository(), now);
                if (image.tag().isPresent()) {
                    storage.putTag(new TagKey(image.registry(), image.repository(), image.tag().get()),
                            new TagRecord(root.descriptor().digest(), now));
                }
            }
            progress.end("every digest verified");
            return new Result(roots.size(), manifests.size(), blobs.size(), alreadyCached, bytes);
        }
    }

    private static TarFile open(Path bundle) throws IOException {
        try {
            return new TarFile(bundle);
        } catch (IOException | RuntimeException e) {
            throw new BundleException(bundle + " is not a readable tar file: " + e.getMessage(), e);
        }
    }

    private static void requireLayout(TarFile tar, Map<String, TarArchiveEntry> entries, Path bundle) throws IOException {
        TarArchiveEntry layout = entries.get(BundleLayout.OCI_LAYOUT);
        if (layout == null || !entries.containsKey(BundleLayout.INDEX_JSON)) {
            throw new BundleException(bundle + " is not an OCI image layout: it has no " + (layout == null ? "oci-layout" : "index.json"));
        }
        JsonNode json = readJson(tar, layout, BundleLayout.OCI_LAYOUT);
        if (!json.path("imageLayoutVersion").isTextual()) {
            throw new BundleException(bundle + ": oci-layout has no imageLayoutVersion");
        }
    }

    /** The images index.json names; each needs a full name in its ref.name annotation. */
    private static List<Root> roots(TarFile tar, Map<String, TarArchiveEntry> entries, Path bundle) throws IOException {
        JsonNode index = readJson(tar, entries.get(BundleLayout.INDEX_JSON), BundleLayout.INDEX_JSON);
        List<Root> roots = new ArrayList<>();
        for (JsonNode node : index.path("manifests")) {
            String name = node.path("annotations").path(BundleLayout.REF_NAME).asText("");
            if (name.isEmpty()) {
                throw new BundleException(bundle + ": an index.json entry (" + node.path("digest").asText() + ") has no "
                        + BundleLayout.REF_NAME + " annotation naming its image");
            }
            ImageReference image;
            try {
                image = ImageReference.parseFull(name);
            } catch (IllegalArgumentException e) {
                throw new BundleException(bundle + ": index.json: " + BundleLayout.REF_NAME + " " + e.getMessage(), e);
            }
            Descriptor descriptor = Manifests.descriptor(BundleLayout.INDEX_JSON, node);
            String original = node.path("annotations").path(BundleLayout.ORIGINAL_MANIFEST).asText("");
            if (!original.isEmpty()) {
                // The entry is an OCI twin for other tools; the image is the upstream's manifest it was made from.
                descriptor = original(bundle, entries, image, original);
            }
            if (image.digest().isPresent() && !image.digest().get().equals(descriptor.digest())) {
                throw new BundleException(bundle + ": index.json names " + image + " but points to " + descriptor.digest());
            }
            roots.add(new Root(image, descriptor));
        }
        if (roots.isEmpty()) {
            throw new BundleException(bundle + ": index.json lists no images");
        }
        return roots;
    }

    /** A descriptor for the upstream's manifest an OCI twin was made from: its size is its entry's, its type its own field. */
    private static Descriptor original(Path bundle, Map<String, TarArchiveEntry> entries, ImageReference image, String digestText) {
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (IllegalArgumentException e) {
            throw new BundleException(bundle + ": index.json: " + image + ": " + BundleLayout.ORIGINAL_MANIFEST + " " + e.getMessage(), e);
        }
        TarArchiveEntry entry = entries.get(BundleLayout.blobPath(digest));
        if (entry == null) {
            throw new BundleException(image + ": index.json names manifest " + digest + ", which is not in the bundle");
        }
        return new Descriptor("", digest, entry.getSize(), com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    }

    private static JsonNode readJson(TarFile tar, TarArchiveEntry entry, String name) throws IOException {
        if (entry.getSize() > ManifestService.MAX_MANIFEST_BYTES) {
            throw new BundleException(name + " is " + entry.getSize() + " bytes; that is not an index");
        }
        try (InputStream in = tar.getInputStream(entry)) {
            JsonNode json = Manifests.JSON.readTree(in);
            if (json == null || !json.isObject()) {
                throw new BundleException(name + " in the bundle is not a JSON object");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw new BundleException(name + " in the bundle is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The manifest at the descriptor's digest, if the bundle has it, verified against the digest and size. */
    private static Optional<ManifestRecord> manifest(TarFile tar, Map<String, TarArchiveEntry> entries, Descriptor descriptor) {
        TarArchiveEntry entry = entries.get(BundleLayout.blobPath(descriptor.digest()));
        if (entry == null) {
            return Optional.empty();
        }
        Digest digest = descriptor.digest();
        if (entry.getSize() > ManifestService.MAX_MANIFEST_BYTES) {
            throw new BundleException("manifest " + digest + " in the bundle is " + entry.getSize() + " bytes, more than any registry accepts");
        }
        byte[] bytes;
        try (InputStream in = tar.getInputStream(entry)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + digest + " from the bundle", e);
        }
        Digest actual = Digest.of(digest.algorithm(), digest.newHasher().digest(bytes));
        if (!actual.equals(digest)) {
            throw new BundleException("manifest " + digest + " in the bundle is corrupt: its content hashes to " + actual);
        }
        if (bytes.length != descriptor.size()) {
            throw new BundleException("manifest " + digest + " is " + bytes.length + " bytes, but its descriptor says " + descriptor.size());
        }
        String mediaType = Manifests.bareMediaType(descriptor.mediaType());
        if (mediaType.isEmpty()) {
            mediaType = Manifests.parse(new ManifestRecord(digest, "", bytes)).path("mediaType").asText("");
        }
        if (mediaType.isEmpty()) {
            throw new BundleException("manifest " + digest + " has no media type in its descriptor or its content");
        }
        return Optional.of(new ManifestRecord(digest, mediaType, bytes));
    }

    /**
     * Streams one blob through its hasher, and into a temp file of the blob store unless the cache already holds it.
     * Returns whether it was already cached. A blob whose bytes do not match its digest or size fails the import.
     */
    private boolean stage(TarFile tar, TarArchiveEntry entry, Descriptor blob, List<BlobWriter> staged) throws IOException {
        Digest digest = blob.digest();
        if (entry.getSize() != blob.size()) {
            throw new BundleException("blob " + digest + " is " + entry.getSize() + " bytes in the bundle, but its manifest says " + blob.size());
        }
        boolean cached = storage.findBlob(digest).isPresent();
        BlobWriter writer = null;
        if (!cached) {
            writer = storage.blobs().newWriter(digest);
            staged.add(writer);
        }
        MessageDigest hasher = digest.newHasher();
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = tar.getInputStream(entry)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                hasher.update(buffer, 0, n);
                if (writer != null) {
                    writer.write(ByteBuffer.wrap(buffer, 0, n));
                }
                progress.advance(n);
            }
        }
        Digest actual = Digest.of(digest.algorithm(), hasher.digest());
        if (!actual.equals(digest)) {
            throw new BundleException("blob " + digest + " in the bundle is corrupt: its content hashes to " + actual
                    + "; nothing was imported");
        }
        return cached;
    }
}
