package dev.longshore.proxy.bundle;

import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.DataDirectoryInUseException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opening a data directory from the command line, with errors an operator can act on. */
public final class DataDirectory {

    private DataDirectory() {
    }

    /** Opens an existing data directory: reading a cache that is not there is a mistake in the path, not an empty cache. */
    public static CacheStorage openExisting(Path dataDir) {
        if (!Files.isDirectory(dataDir)) {
            throw new BundleException("no data directory at " + dataDir.toAbsolutePath());
        }
        return open(dataDir);
    }

    /** Opens or creates a data directory. */
    public static CacheStorage open(Path dataDir) {
        try {
            return CacheStorage.open(dataDir);
        } catch (IOException e) {
            throw explain(dataDir, e);
        }
    }

    /** The index's lock file keeps a second process out; say which process that usually is. */
    public static BundleException explain(Path dataDir, IOException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof DataDirectoryInUseException) {
            return new BundleException(message, e); // it says so itself
        }
        boolean locked = message.toLowerCase(java.util.Locale.ROOT).contains("lock");
        return new BundleException(message + (locked
                ? " (another Longshore process, such as serve, is using " + dataDir + ": stop it first, one process per data directory)"
                : ""), e);
    }
}
