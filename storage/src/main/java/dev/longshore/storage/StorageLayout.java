package dev.longshore.storage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where everything lives under one data directory. This is the only class that builds paths on disk.
 *
 * <pre>
 * dataDir/
 * +-- blobs/                      committed blobs, named by digest
 * |   +-- sha256/
 * |   |   +-- ab/                 the first two hex chars, so no directory holds millions of entries
 * |   |       +-- ab34...ef       one blob; the file name is the digest's full hex
 * |   +-- sha512/
 * |       +-- ...
 * +-- tmp/                        fills in progress (*.part); everything here is deleted at startup
 * +-- index/                      RocksDB (CacheIndex)
 * </pre>
 *
 * tmp/ sits beside blobs/ under the same data dir so both are on one file system: committing a fill is then an
 * atomic rename, never a copy. A {@link Digest}'s algorithm and hex are validated, so they can never escape blobs/.
 */
public record StorageLayout(Path dataDir) {

    public StorageLayout {
        Objects.requireNonNull(dataDir, "dataDir");
    }

    public Path blobsDir() {
        return dataDir.resolve("blobs");
    }

    public Path tmpDir() {
        return dataDir.resolve("tmp");
    }

    public Path indexDir() {
        return dataDir.resolve("index");
    }

    /** The committed file for {@code digest}, e.g. {@code blobs/sha256/ab/ab34...ef}. */
    public Path blobPath(Digest digest) {
        return blobsDir()
                .resolve(digest.algorithm())
                .resolve(digest.hex().substring(0, 2))
                .resolve(digest.hex());
    }
}
