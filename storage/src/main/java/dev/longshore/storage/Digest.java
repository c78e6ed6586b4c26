package dev.longshore.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * A content digest such as {@code sha256:4f5c...}, validated against the OCI image spec's grammar.
 * Only algorithms we can verify are accepted, so a {@code Digest} can always name a file on disk safely:
 * its hex part is lowercase hex of the algorithm's exact length, never a path.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests">OCI digests</a>
 */
public record Digest(String algorithm, String hex) {

    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        Pattern pattern = switch (algorithm) {
            case "sha256" -> SHA256;
            case "sha512" -> SHA512;
            case null, default -> throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm);
        };
        if (hex == null || !pattern.matcher(hex).matches()) {
            throw new IllegalArgumentException("digest " + algorithm + ":" + hex + " is not lowercase hex of the right length");
        }
    }

    /** Parses {@code algorithm:hex}; throws {@link IllegalArgumentException} with a reason a client can read. */
    public static Digest parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("digest is missing");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("digest must be algorithm:hex, got '" + text + "'");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** The sha256 digest of {@code bytes}. */
    public static Digest sha256Of(byte[] bytes) {
        return of("sha256", newHasher("sha256").digest(bytes));
    }

    /** The digest named {@code algorithm} whose value is {@code hash}. */
    public static Digest of(String algorithm, byte[] hash) {
        return new Digest(algorithm, java.util.HexFormat.of().formatHex(hash));
    }

    /** A fresh hasher for this digest's algorithm. */
    public MessageDigest newHasher() {
        return newHasher(algorithm);
    }

    private static MessageDigest newHasher(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
