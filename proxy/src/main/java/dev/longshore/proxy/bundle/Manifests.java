package dev.longshore.proxy.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads what an image manifest or an index points to. Only what the walk needs: no schema validation beyond that. */
final class Manifests {

    static final ObjectMapper JSON = new ObjectMapper();

    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    /** Every manifest type the walk understands; what warm sends as Accept, so the upstream serves them unconverted. */
    static final String ACCEPT = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

    private Manifests() {
    }

    /** {@code type/subtype} without parameters such as {@code ; charset=utf-8}. */
    static String bareMediaType(String mediaType) {
        int semicolon = mediaType.indexOf(';');
        return (semicolon < 0 ? mediaType : mediaType.substring(0, semicolon)).trim();
    }

    static JsonNode parse(ManifestRecord manifest) {
        try {
            JsonNode json = JSON.readTree(manifest.bytes());
            if (json == null || !json.isObject()) {
                throw new BundleException("manifest " + manifest.digest() + " is not a JSON object");
            }
            return json;
        } catch (IOException e) {
            throw new BundleException("manifest " + manifest.digest() + " is not JSON: " + e.getMessage(), e);
        }
    }

    /** An index (OCI) or manifest list (Docker): it points to other manifests, not to blobs. */
    static boolean isIndex(ManifestRecord manifest, JsonNode json) {
        String type = bareMediaType(manifest.mediaType());
        return type.equals(OCI_INDEX) || type.equals(DOCKER_LIST) || (json.has("manifests") && !json.has("config"));
    }

    /** The manifests an index lists, with their platforms. */
    static List<Descriptor> children(ManifestRecord manifest, JsonNode json) {
        return descriptors(manifest, json.path("manifests"));
    }

    /**
     * The blobs an image manifest needs: its config, then its layers. Foreign (non-distributable) layers are left
     * out: registries do not serve them, clients fetch them from the URLs in their descriptors.
     */
    static List<Descriptor> blobs(ManifestRecord manifest, JsonNode json) {
        String type = bareMediaType(manifest.mediaType());
        if (type.startsWith("application/vnd.docker.distribution.manifest.v1") || json.has("fsLayers")) {
            throw new BundleException("manifest " + manifest.digest() + " is a Docker schema 1 manifest, which is not supported");
        }
        List<Descriptor> blobs = new ArrayList<>();
        if (json.has("config")) {
            blobs.add(descriptor("manifest " + manifest.digest(), json.get("config")));
        }
        for (Descriptor layer : descriptors(manifest, json.path("layers"))) {
            if (!layer.mediaType().contains("foreign") && !layer.mediaType().contains("nondistributable")) {
                blobs.add(layer);
            }
        }
        return blobs;
    }

    private static List<Descriptor> descriptors(ManifestRecord manifest, JsonNode array) {
        List<Descriptor> descriptors = new ArrayList<>();
        for (JsonNode node : array) {
            descriptors.add(descriptor("manifest " + manifest.digest(), node));
        }
        return descriptors;
    }

    /** @param where what holds the descriptor, for the error message */
    static Descriptor descriptor(String where, JsonNode node) {
        try {
            Digest digest = Digest.parse(node.path("digest").asText(null));
            long size = node.path("size").asLong(-1);
            if (size < 0) {
                throw new IllegalArgumentException("size is missing or negative");
            }
            JsonNode platform = node.has("platform") ? node.get("platform") : MissingNode.getInstance();
            return new Descriptor(node.path("mediaType").asText(""), digest, size, platform);
        } catch (IllegalArgumentException e) {
            throw new BundleException(where + " has a bad descriptor " + node + ": " + e.getMessage(), e);
        }
    }
}
