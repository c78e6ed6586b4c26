package dev.longshore.storage;

import java.util.Arrays;
import java.util.Objects;

/**
 * A manifest exactly as the upstream served it: clients verify {@code bytes} against {@code digest}, so they are kept
 * byte for byte. Manifests are small (the proxy caps them at 4 MiB), so they live in the index, not in blobs/.
 *
 * <p>{@code bytes} is not copied, because records are shared by the hot-metadata cache and served many times:
 * treat it as read-only.
 */
public record ManifestRecord(Digest digest, String mediaType, byte[] bytes) {

    public ManifestRecord {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(bytes, "bytes");
    }

    // A record compares arrays by identity; a manifest's identity is its content.
    @Override
    public boolean equals(Object o) {
        return o instanceof ManifestRecord other
                && digest.equals(other.digest)
                && mediaType.equals(other.mediaType)
                && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(digest, mediaType, Arrays.hashCode(bytes));
    }

    // Never dump up to 4 MiB into a log line.
    @Override
    public String toString() {
        return "ManifestRecord[digest=" + digest + ", mediaType=" + mediaType + ", size=" + bytes.length + "]";
    }
}
