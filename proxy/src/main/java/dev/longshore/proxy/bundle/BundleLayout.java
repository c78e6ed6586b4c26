package dev.longshore.proxy.bundle;

import dev.longshore.storage.Digest;

/**
 * The names inside a bundle: an OCI image layout (image-spec {@code image-layout.md}) in a tar.
 *
 * <pre>
 * oci-layout                {"imageLayoutVersion":"1.0.0"}
 * index.json                one entry per exported image: its root manifest (an image manifest or an index), with
 *                           org.opencontainers.image.ref.name = the full image name, docker.io/library/alpine:3.20
 *                           (registry/repository:tag, or registry/repository@digest for an image exported by digest)
 *                           and io.containerd.image.name = the same, for docker load and ctr import;
 *                           for a Docker-typed image the entry is its OCI twin (see {@link OciCompatibility}) and
 *                           dev.longshore.image.manifest = the digest of the upstream's own manifest
 * blobs/sha256/&lt;hex&gt;       every manifest (the upstream's, byte for byte, and any OCI twins), config and layer,
 *                           named by its digest
 * </pre>
 *
 * The registry part of ref.name is the upstream the image is recorded under on import, and the tag is recorded for
 * the upstream's manifest (dev.longshore.image.manifest when present, else the entry's own digest). Index entries for
 * platforms that were never cached are left out of blobs/, which the layout allows.
 */
final class BundleLayout {

    static final String OCI_LAYOUT = "oci-layout";
    static final String INDEX_JSON = "index.json";
    static final String LAYOUT_VERSION = "1.0.0";
    static final String REF_NAME = "org.opencontainers.image.ref.name";
    static final String CONTAINERD_NAME = "io.containerd.image.name";
    static final String ORIGINAL_MANIFEST = "dev.longshore.image.manifest";

    private BundleLayout() {
    }

    static String blobPath(Digest digest) {
        return "blobs/" + digest.algorithm() + "/" + digest.hex();
    }

    /** Entry names as tar tools write them may start with {@code ./}. */
    static String normalize(String entryName) {
        String name = entryName;
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        return name;
    }
}
