package dev.longshore.proxy.api;

import dev.longshore.storage.Digest;

/** Parses client-supplied digests, turning storage's validation into the wire's DIGEST_INVALID. */
public final class Digests {
    private Digests() {
    }

    public static Digest parse(String text) {
        try {
            return Digest.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, e.getMessage());
        }
    }
}
