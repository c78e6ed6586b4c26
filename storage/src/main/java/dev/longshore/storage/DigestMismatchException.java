package dev.longshore.storage;

import java.io.IOException;

/** The bytes written to a {@link BlobWriter} do not hash to the digest the writer was created for. */
public final class DigestMismatchException extends IOException {

    private final Digest expected;
    private final Digest actual;

    public DigestMismatchException(Digest expected, Digest actual) {
        super("content hashes to " + actual + " but " + expected + " was expected");
        this.expected = expected;
        this.actual = actual;
    }

    public Digest expected() {
        return expected;
    }

    public Digest actual() {
        return actual;
    }
}
