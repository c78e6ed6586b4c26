package dev.longshore.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blob files named by digest, with temp files for fills in progress. See {@link StorageLayout} for the layout.
 *
 * <p>The file system is the source of truth for "do we have this blob": a blob exists once its file is at its
 * digest path, and {@link BlobWriter} only puts it there after verifying its content. So a lookup is a stat and
 * needs no index, and a crash can leave at worst a stray temp file, which {@link #open} removes.
 *
 * <p>Thread-safe: it holds no mutable state; each fill gets its own uniquely named temp file.
 */
public final class BlobStore {

    private static final Logger log = LoggerFactory.getLogger(BlobStore.class);

    /**
     * Runs before every write and commit of a {@link BlobWriter}: the seam where tests make the disk fail (a full disk,
     * an I/O error) without needing one. Production uses {@link #NONE}.
     */
    public interface WriteHook {
        WriteHook NONE = new WriteHook() {
        };

        /** Before {@code length} bytes are written at {@code position} of the fill of {@code digest}; throw to fail it. */
        default void beforeWrite(Digest digest, long position, int length) throws IOException {
        }

        /** Before the fill of {@code digest} is forced to disk and verified; throw to fail it. */
        default void beforeCommit(Digest digest) throws IOException {
        }
    }

    private final StorageLayout layout;
    private volatile WriteHook hook = WriteHook.NONE;

    private BlobStore(StorageLayout layout) {
        this.layout = layout;
    }

    /** Installs a hook for writers created from now on; for tests that inject disk failures. */
    public void setWriteHook(WriteHook newHook) {
        this.hook = newHook == null ? WriteHook.NONE : newHook;
    }

    /**
     * Creates the layout under {@code dataDir} and deletes everything in its temp dir: those are fills a previous
     * process never finished. Only one process may use a data dir at a time ({@link CacheStorage} enforces this).
     */
    public static BlobStore open(Path dataDir) throws IOException {
        StorageLayout layout = new StorageLayout(dataDir);
        Files.createDirectories(layout.blobsDir());
        Files.createDirectories(layout.tmpDir());
        int removed = emptyDirectory(layout.tmpDir());
        if (removed > 0) {
            log.info("Deleted {} unfinished fill(s) from {}", removed, layout.tmpDir());
        }
        return new BlobStore(layout);
    }

    public StorageLayout layout() {
        return layout;
    }

    /** The committed blob, if its file is present. */
    public Optional<StoredBlob> find(Digest digest) {
        Path path = layout.blobPath(digest);
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new StoredBlob(digest, path, attributes.size()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat blob " + path, e);
        }
    }

    /** A writer for a new fill of {@code expected}, backed by a fresh, uniquely named temp file. */
    public BlobWriter newWriter(Digest expected) throws IOException {
        // The hex prefix only helps a human reading the temp dir; uniqueness comes from createTempFile.
        Path temp = Files.createTempFile(layout.tmpDir(), expected.hex().substring(0, 12) + "-", ".part");
        try {
            return new BlobWriter(expected, temp, layout.blobPath(expected), hook);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** Deletes the committed blob; returns whether it existed. Readers that have it open keep reading it. */
    public boolean delete(Digest digest) throws IOException {
        return Files.deleteIfExists(layout.blobPath(digest));
    }

    /**
     * Every file under blobs/, as the digest its path names, or as a stray: a file whose path names no digest.
     * Walks the directories one at a time, so it holds no more than one directory's listing in memory.
     */
    public void forEachFile(BlobFileVisitor visitor) throws IOException {
        Path root = layout.blobsDir();
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(root)) {
            for (Path algorithmDir : algorithms) {
                if (!Files.isDirectory(algorithmDir)) {
                    visitor.stray(algorithmDir);
                    continue;
                }
                try (DirectoryStream<Path> prefixes = Files.newDirectoryStream(algorithmDir)) {
                    for (Path prefixDir : prefixes) {
                        if (!Files.isDirectory(prefixDir)) {
                            visitor.stray(prefixDir);
                            continue;
                        }
                        try (DirectoryStream<Path> files = Files.newDirectoryStream(prefixDir)) {
                            for (Path file : files) {
                                Optional<Digest> digest = digestOf(algorithmDir, prefixDir, file);
                                if (digest.isPresent()) {
                                    visitor.blob(digest.get(), file);
                                } else {
                                    visitor.stray(file);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** What {@link #forEachFile} finds. */
    public interface BlobFileVisitor {
        void blob(Digest digest, Path file) throws IOException;

        void stray(Path path) throws IOException;
    }

    private Optional<Digest> digestOf(Path algorithmDir, Path prefixDir, Path file) {
        String hex = file.getFileName().toString();
        try {
            Digest digest = Digest.parse(algorithmDir.getFileName() + ":" + hex);
            return layout.blobPath(digest).equals(file) && Files.isRegularFile(file) ? Optional.of(digest) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Deletes everything below {@code dir}, keeping {@code dir}; returns how many entries were deleted. */
    private static int emptyDirectory(Path dir) throws IOException {
        List<Path> leftovers;
        try (Stream<Path> walk = Files.walk(dir)) {
            // Deepest first, so directories are empty by the time they are deleted.
            leftovers = walk.filter(p -> !p.equals(dir)).sorted(Comparator.reverseOrder()).toList();
        }
        for (Path leftover : leftovers) {
            Files.deleteIfExists(leftover);
        }
        return leftovers.size();
    }
}
