package dev.longshore.storage;

import java.io.IOException;
import java.nio.file.Path;

/** Another Longshore (or another tool such as {@code longshore verify}) holds the data directory's lock. */
public final class DataDirectoryInUseException extends IOException {

    private final Path dataDir;

    public DataDirectoryInUseException(Path dataDir, Path lockFile) {
        super("the data directory " + dataDir.toAbsolutePath() + " is in use by another Longshore process (it holds "
                + lockFile.toAbsolutePath() + "); stop that process or give this one a different --data directory");
        this.dataDir = dataDir;
    }

    public Path dataDir() {
        return dataDir;
    }
}
