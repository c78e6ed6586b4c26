package dev.longshore.proxy.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * OCI-typed twins of Docker-typed manifests, for the tools that read a bundle: containers/image (skopeo, podman)
 * finds an image in an OCI layout by name only if index.json's entry is an OCI manifest or index, and reads a
 * platform's manifest out of an index as an OCI manifest. So export writes, next to each Docker manifest (and list),
 * the OCI manifest (and index) with the same config and layers, which is what {@code skopeo copy docker://...
 * oci-archive:...} would write too. Blobs are untouched: a Docker image config is a valid OCI config and a Docker layer
 * a valid OCI layer. The twins get new digests, so the original stays in the bundle and index.json names it in
 * {@link BundleLayout#ORIGINAL_MANIFEST}: {@code longshore import} restores exactly the upstream's manifests and digests.
 */
final class OciCompatibility {

    private static final Map<String, String> LAYER_TYPES = Map.of(
            "application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip");
    private static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    private static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

    private final Function<Digest, Optional<ManifestRecord>> manifests;
    private final Map<Digest, ManifestRecord> twins = new LinkedHashMap<>();

    /** @param manifests the manifests the bundle holds, by digest */
    OciCompatibility(Function<Digest, Optional<ManifestRecord>> manifests) {
        this.manifests = manifests;
    }

    /** The manifest as OCI types: itself when it already is, else its twin (added to {@link #twins()}). */
    ManifestRecord oci(ManifestRecord manifest) {
        ManifestRecord known = twins.get(manifest.digest());
        if (known != null) {
            return known;
        }
        JsonNode json = Manifests.parse(manifest);
        String type = Manifests.bareMediaType(manifest.mediaType());
        ObjectNode twin;
        if (Manifests.isIndex(manifest, json)) {
            twin = index(manifest, json, type);
        } else if (type.equals(Manifests.DOCKER_MANIFEST)) {
            twin = image(json);
        } else {
            return manifest;
        }
        if (twin == null) {
            return manifest;
        }
        byte[] bytes;
        try {
            bytes = Manifests.JSON.writeValueAsBytes(twin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ManifestRecord converted = new ManifestRecord(Digest.sha256Of(bytes), twin.get("mediaType").asText(), bytes);
        twins.put(manifest.digest(), converted);
        return converted;
    }

    /** The twins made so far: manifests to write in addition to the originals. */
    List<ManifestRecord> twins() {
        return List.copyOf(twins.values());
    }

    /** An OCI index whose entries point at OCI twins; null if the index is OCI already and no entry changed. */
    private ObjectNode index(ManifestRecord manifest, JsonNode json, String type) {
        boolean changed = type.equals(Manifests.DOCKER_LIST);
        ArrayNode entries = Manifests.JSON.createArrayNode();
        for (JsonNode entry : json.path("manifests")) {
            ObjectNode copy = entry.deepCopy();
            Descriptor child = Manifests.descriptor("manifest " + manifest.digest(), entry);
            Optional<ManifestRecord> held = manifests.apply(child.digest());
            if (held.isPresent()) {
                ManifestRecord oci = oci(held.get());
                if (!oci.digest().equals(child.digest())) {
                    copy.put("mediaType", oci.mediaType());
                    copy.put("digest", oci.digest().toString());
                    copy.put("size", oci.bytes().length);
                    changed = true;
                }
            }
            entries.add(copy);
        }
        if (!changed) {
            return null;
        }
        ObjectNode twin = Manifests.JSON.createObjectNode();
        twin.put("schemaVersion", 2);
        twin.put("mediaType", Manifests.OCI_INDEX);
        twin.set("manifests", entries);
        if (json.has("annotations")) {
            twin.set("annotations", json.get("annotations").deepCopy());
        }
        return twin;
    }

    private static ObjectNode image(JsonNode json) {
        ObjectNode twin = Manifests.JSON.createObjectNode();
        twin.put("schemaVersion", 2);
        twin.put("mediaType", Manifests.OCI_MANIFEST);
        ObjectNode config = json.path("config").deepCopy();
        if (DOCKER_CONFIG.equals(config.path("mediaType").asText())) {
            config.put("mediaType", OCI_CONFIG);
        }
        twin.set("config", config);
        ArrayNode layers = Manifests.JSON.createArrayNode();
        for (JsonNode layer : json.path("layers")) {
            ObjectNode copy = layer.deepCopy();
            String mapped = LAYER_TYPES.get(layer.path("mediaType").asText());
            if (mapped != null) {
                copy.put("mediaType", mapped);
            }
            layers.add(copy);
        }
        twin.set("layers", layers);
        return twin;
    }
}
