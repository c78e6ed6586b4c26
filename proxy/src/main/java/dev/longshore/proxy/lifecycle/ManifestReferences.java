package dev.longshore.proxy.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a cached manifest points to: the child manifests of an index ({@code manifests[]}), and the blobs of an image
 * manifest ({@code config}, {@code layers[]}, and an artifact's {@code blobs[]}). A {@code subject} is not followed:
 * it is the image a referrer describes, which lives or dies on its own. Unparseable manifests point to nothing.
 */
public record ManifestReferences(List<Digest> manifests, List<Digest> blobs) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static ManifestReferences of(ManifestRecord manifest) {
        JsonNode root;
        try {
            root = JSON.readTree(manifest.bytes());
        } catch (IOException e) {
            return new ManifestReferences(List.of(), List.of());
        }
        if (root == null || !root.isObject()) {
            return new ManifestReferences(List.of(), List.of());
        }
        List<Digest> children = new ArrayList<>();
        List<Digest> blobs = new ArrayList<>();
        addDescriptors(root.get("manifests"), children);
        addDescriptor(root.get("config"), blobs);
        addDescriptors(root.get("layers"), blobs);
        addDescriptors(root.get("blobs"), blobs);
        return new ManifestReferences(List.copyOf(children), List.copyOf(blobs));
    }

    private static void addDescriptors(JsonNode list, List<Digest> into) {
        if (list != null && list.isArray()) {
            list.forEach(descriptor -> addDescriptor(descriptor, into));
        }
    }

    private static void addDescriptor(JsonNode descriptor, List<Digest> into) {
        if (descriptor == null || !descriptor.isObject() || !descriptor.path("digest").isTextual()) {
            return;
        }
        try {
            into.add(Digest.parse(descriptor.get("digest").asText()));
        } catch (IllegalArgumentException e) {
            // A digest we cannot verify was never cached, so there is nothing of it to keep.
        }
    }
}
