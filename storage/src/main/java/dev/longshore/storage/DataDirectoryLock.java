package dev.longshore.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory, held for as long as one process uses it: {@code longshore.lock}, locked with
 * {@code fcntl}/{@code flock} through {@link FileChannel#tryLock()}. The kernel drops the lock when the process dies,
 * kill -9 included, so a stale lock file never keeps a restart out. RocksDB's own LOCK would also refuse a second
 * opener, but with an error about RocksDB internals; this one says which directory and what to do.
 */
final class DataDirectoryLock implements AutoCloseable {

    static final String FILE_NAME = "longshore.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirectoryLock acquire(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(FILE_NAME);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM already holds it
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new DataDirectoryInUseException(dataDir, file);
        }
        return new DataDirectoryLock(channel, lock);
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it as well.
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to do: the kernel drops the lock with the process at the latest.
        }
    }
}
