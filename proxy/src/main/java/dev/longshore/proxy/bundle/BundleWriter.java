package dev.longshore.proxy.bundle;

import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import dev.longshore.storage.StoredBlob;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code longshore export}: writes cached images as an OCI image layout tar (see {@link BundleLayout}) without
 * contacting any upstream. Every image is resolved and every blob found before the first byte is written, so a
 * missing one fails fast; blob files are streamed into the tar, never held in memory. The tar is written beside
 * {@code output} and renamed over it at the end, so a failed export leaves no half bundle behind.
 */
public final class BundleWriter {

    /** What was written. */
    public record Result(int images, int manifests, int blobs, long bytes, List<String> skipped) {
    }

    /** A fixed mtime, so the same cached images always make the same bundle, byte for byte. */
    private static final Instant MTIME = Instant.EPOCH;
    private static final int BUFFER = 1024 * 1024;

    private final CacheStorage storage;
    private final Progress progress;

    public BundleWriter(CacheStorage storage, Progress progress) {
        this.storage = storage;
        this.progress = progress;
    }

    public Result export(List<ImageReference> images, Path output) throws IOException {
        CachedImages cache = new CachedImages(storage);
        Map<String, ImageContent> contents = new LinkedHashMap<>();
        for (ImageReference image : images) {
            contents.putIfAbsent(image.name(), cache.content(image));
        }
        Map<Digest, ManifestRecord> manifests = new LinkedHashMap<>();
        Map<Digest, StoredBlob> blobs = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (ImageContent content : contents.values()) {
            content.manifests().forEach(m -> manifests.putIfAbsent(m.digest(), m));
        }
        OciCompatibility compatibility = new OciCompatibility(digest -> java.util.Optional.ofNullable(manifests.get(digest)));
        Map<String, ManifestRecord> entries = new LinkedHashMap<>();
        for (ImageContent content : contents.values()) {
            entries.put(content.image().name(), compatibility.oci(content.root()));
        }
        compatibility.twins().forEach(m -> manifests.putIfAbsent(m.digest(), m));
        for (ImageContent content : contents.values()) {
            for (Descriptor blob : content.blobs()) {
                blobs.computeIfAbsent(blob.digest(), d -> storage.findBlob(d).orElseThrow(() ->
                        new BundleException(content.image() + ": blob " + d + " is not in the cache")));
            }
            content.missingManifests().forEach(m -> skipped.add(content.image() + ": "
                    + ImageWalker.platformName(m.platform()) + " manifest " + m.digest() + " is not cached; left out"));
        }
        long blobBytes = blobs.values().stream().mapToLong(StoredBlob::size).sum();

        Path partial = output.resolveSibling(output.getFileName() + ".part");
        progress.begin(output.getFileName().toString(), blobBytes, blobs.size());
        try (OutputStream file = Files.newOutputStream(partial);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(file, BUFFER))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            writeBytes(tar, BundleLayout.OCI_LAYOUT, Manifests.JSON.writeValueAsBytes(
                    Map.of("imageLayoutVersion", BundleLayout.LAYOUT_VERSION)));
            writeBytes(tar, BundleLayout.INDEX_JSON, indexJson(contents.values(), entries));
            writeDirectory(tar, "blobs/");
            for (String algorithm : algorithms(manifests, blobs)) {
                writeDirectory(tar, "blobs/" + algorithm + "/");
            }
            // Manifests first: an importer reading the stream in order knows every blob's role before the blob.
            for (ManifestRecord manifest : manifests.values()) {
                writeBytes(tar, BundleLayout.blobPath(manifest.digest()), manifest.bytes());
            }
            for (StoredBlob blob : blobs.values()) {
                writeFile(tar, blob);
                progress.itemDone(blob.digest().hex().substring(0, 12) + " " + Progress.size(blob.size()));
            }
            tar.finish();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        progress.end("written");
        return new Result(contents.size(), manifests.size(), blobs.size(), blobBytes, skipped);
    }

    /** @param entries what index.json points to for each image: its root, or the root's OCI twin */
    private static byte[] indexJson(Iterable<ImageContent> contents, Map<String, ManifestRecord> entries) throws IOException {
        List<Map<String, Object>> descriptors = new ArrayList<>();
        for (ImageContent content : contents) {
            String name = content.image().name();
            ManifestRecord target = entries.get(name);
            Map<String, Object> descriptor = new LinkedHashMap<>();
            descriptor.put("mediaType", Manifests.bareMediaType(target.mediaType()));
            descriptor.put("digest", target.digest().toString());
            descriptor.put("size", target.bytes().length);
            Map<String, String> annotations = new LinkedHashMap<>();
            annotations.put(BundleLayout.REF_NAME, name);
            annotations.put(BundleLayout.CONTAINERD_NAME, name);
            if (!target.digest().equals(content.root().digest())) {
                annotations.put(BundleLayout.ORIGINAL_MANIFEST, content.root().digest().toString());
            }
            descriptor.put("annotations", annotations);
            descriptors.add(descriptor);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", Manifests.OCI_INDEX);
        index.put("manifests", descriptors);
        return Manifests.JSON.writeValueAsBytes(index);
    }

    private static List<String> algorithms(Map<Digest, ManifestRecord> manifests, Map<Digest, StoredBlob> blobs) {
        return java.util.stream.Stream.concat(manifests.keySet().stream(), blobs.keySet().stream())
                .map(Digest::algorithm).distinct().sorted().toList();
    }

    private static void writeDirectory(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setModTime(MTIME.toEpochMilli());
        entry.setMode(040755);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static void writeBytes(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        tar.putArchiveEntry(fileEntry(name, bytes.length));
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private void writeFile(TarArchiveOutputStream tar, StoredBlob blob) throws IOException {
        tar.putArchiveEntry(fileEntry(BundleLayout.blobPath(blob.digest()), blob.size()));
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(blob.path())) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                tar.write(buffer, 0, n);
                progress.advance(n);
            }
        }
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry fileEntry(String name, long size) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0100644);
        entry.setModTime(MTIME.toEpochMilli());
        return entry;
    }
}
