package dev.longshore.proxy.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.storage.Digest;

import java.util.Objects;

/**
 * An OCI content descriptor: what a manifest says about content it points to.
 *
 * @param platform the index entry's {@code platform} object; a missing node for anything else
 */
public record Descriptor(String mediaType, Digest digest, long size, JsonNode platform) {

    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(platform, "platform");
    }

    /** A short name for progress lines: the first 12 hex digits, as docker prints them. */
    public String shortDigest() {
        return digest.hex().substring(0, 12);
    }
}
