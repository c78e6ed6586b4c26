package dev.longshore.proxy.bundle;

import dev.longshore.storage.ManifestRecord;

import java.util.List;

/**
 * Everything one image is made of, as far as its source holds it.
 *
 * @param manifests        the root first, then what it points to; each digest once
 * @param blobs            configs and layers of every image manifest; each digest once
 * @param missingManifests index entries the source does not hold (platforms never pulled): skipped, not an error
 */
public record ImageContent(ImageReference image, ManifestRecord root, List<ManifestRecord> manifests,
                           List<Descriptor> blobs, List<Descriptor> missingManifests) {

    public ImageContent {
        manifests = List.copyOf(manifests);
        blobs = List.copyOf(blobs);
        missingManifests = List.copyOf(missingManifests);
    }

    public long blobBytes() {
        return blobs.stream().mapToLong(Descriptor::size).sum();
    }

    /** Manifests and blobs together: what the image takes on disk. */
    public long totalBytes() {
        return blobBytes() + manifests.stream().mapToLong(m -> m.bytes().length).sum();
    }
}
