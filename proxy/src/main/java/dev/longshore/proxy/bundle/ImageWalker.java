package dev.longshore.proxy.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Walks an image from its root manifest: an index to the manifests it lists (every one, or those of one platform),
 * an image manifest to its config and layers. The same walk serves warm (manifests from the upstream), export (from
 * the cache) and import (from the bundle), so all three agree on what an image is.
 */
final class ImageWalker {

    /** Indexes of indexes exist (attestations, nested platforms); deeper than this is a malformed or hostile tree. */
    private static final int MAX_DEPTH = 4;

    private final ImageReference image;
    private final Optional<Platform> platform;
    private final ManifestSource source;
    private final Map<Digest, ManifestRecord> manifests = new LinkedHashMap<>();
    private final Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
    private final List<Descriptor> missing = new ArrayList<>();

    private ImageWalker(ImageReference image, Optional<Platform> platform, ManifestSource source) {
        this.image = image;
        this.platform = platform;
        this.source = source;
    }

    /** @param platform only this platform's entries of an index; empty: all of them */
    static ImageContent walk(ImageReference image, ManifestRecord root, Optional<Platform> platform, ManifestSource source) {
        ImageWalker walker = new ImageWalker(image, platform, source);
        walker.visit(root, 0);
        return new ImageContent(image, root, List.copyOf(walker.manifests.values()), List.copyOf(walker.blobs.values()),
                walker.missing);
    }

    private void visit(ManifestRecord manifest, int depth) {
        if (manifests.putIfAbsent(manifest.digest(), manifest) != null) {
            return;
        }
        JsonNode json = Manifests.parse(manifest);
        if (!Manifests.isIndex(manifest, json)) {
            for (Descriptor blob : Manifests.blobs(manifest, json)) {
                blobs.putIfAbsent(blob.digest(), blob);
            }
            return;
        }
        if (depth >= MAX_DEPTH) {
            throw new BundleException(image + ": indexes nested deeper than " + MAX_DEPTH + " levels at " + manifest.digest());
        }
        List<Descriptor> children = Manifests.children(manifest, json);
        List<Descriptor> selected = children.stream().filter(this::selected).toList();
        if (selected.isEmpty() && !children.isEmpty()) {
            throw new BundleException(image + ": the index " + manifest.digest() + " has no " + platform.orElseThrow()
                    + " manifest; it has " + children.stream().map(c -> platformName(c.platform())).distinct().toList());
        }
        int found = 0;
        for (Descriptor child : selected) {
            Optional<ManifestRecord> childManifest = source.manifest(child);
            if (childManifest.isPresent()) {
                found++;
                visit(childManifest.get(), depth + 1);
            } else {
                missing.add(child);
            }
        }
        if (found == 0 && !selected.isEmpty()) {
            throw new BundleException(image + ": none of the " + selected.size() + " manifests that the index "
                    + manifest.digest() + " lists is available");
        }
    }

    /** With a platform, an index entry counts if it is that platform, or is itself an index (whose entries then count). */
    private boolean selected(Descriptor child) {
        if (platform.isEmpty()) {
            return true;
        }
        String type = Manifests.bareMediaType(child.mediaType());
        return platform.get().matches(child.platform()) || type.equals(Manifests.OCI_INDEX) || type.equals(Manifests.DOCKER_LIST);
    }

    static String platformName(JsonNode platform) {
        if (!platform.isObject()) {
            return "(no platform)";
        }
        String variant = platform.path("variant").asText("");
        return platform.path("os").asText("?") + "/" + platform.path("architecture").asText("?")
                + (variant.isEmpty() ? "" : "/" + variant);
    }
}
