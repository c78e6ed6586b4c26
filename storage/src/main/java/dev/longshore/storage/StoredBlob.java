package dev.longshore.storage;

import java.nio.file.Path;
import java.util.Objects;

/** A committed blob file: its content hashes to {@code digest} and it is {@code size} bytes long. */
public record StoredBlob(Digest digest, Path path, long size) {

    public StoredBlob {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(path, "path");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + digest);
        }
    }
}
