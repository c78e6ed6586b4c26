package dev.longshore.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Writes one blob into a temp file, hashing as it goes, and commits it only if the content matches the expected
 * digest. A committed blob therefore always hashes to its name.
 *
 * <p>Not thread-safe: one thread writes, commits or aborts. {@link #written()} and {@link #tempPath()} may be read
 * from any thread, so readers can tail the temp file while the fill is still running: every byte below
 * {@code written()} is in the file. A reader that already has the temp file open keeps reading the same file after
 * commit (it is renamed, not copied) or abort (it is unlinked, not truncated).
 */
public final class BlobWriter implements AutoCloseable {

    private final Digest expected;
    private final Path tempPath;
    private final Path blobPath;
    private final FileChannel channel;
    private final MessageDigest hasher;
    private final BlobStore.WriteHook hook;
    private volatile long written;
    private boolean verified;
    private boolean committed;
    private boolean aborted;

    /** Takes ownership of {@code tempPath}, an empty file that nobody else writes; see {@link BlobStore#newWriter}. */
    BlobWriter(Digest expected, Path tempPath, Path blobPath, BlobStore.WriteHook hook) throws IOException {
        this.expected = Objects.requireNonNull(expected, "expected");
        this.tempPath = tempPath;
        this.blobPath = blobPath;
        this.hook = hook;
        this.channel = FileChannel.open(tempPath, StandardOpenOption.WRITE);
        this.hasher = expected.newHasher();
    }

    BlobWriter(Digest expected, Path tempPath, Path blobPath) throws IOException {
        this(expected, tempPath, blobPath, BlobStore.WriteHook.NONE);
    }

    public Digest expected() {
        return expected;
    }

    public Path tempPath() {
        return tempPath;
    }

    /** Bytes handed to the file so far; readers of {@link #tempPath()} may read this many. */
    public long written() {
        return written;
    }

    /** Appends all of {@code src} to the temp file and hashes it. */
    public void write(ByteBuffer src) throws IOException {
        requireOpen();
        hook.beforeWrite(expected, written, src.remaining());
        // Hash exactly the bytes that reach the file: a view of the same range, taken before writing consumes it.
        ByteBuffer toHash = src.duplicate();
        long count = 0;
        while (src.hasRemaining()) {
            count += channel.write(src);
        }
        hasher.update(toHash);
        // Published only after the write returned, so a reader never sees a count ahead of the file.
        written += count;
    }

    /**
     * A copy of the hash state over the bytes written so far: whoever continues the body elsewhere (a client streamed
     * straight from the upstream after a write failed) can verify the whole of it. Call it on the writing thread.
     */
    public MessageDigest hashSoFar() {
        try {
            return (MessageDigest) hasher.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's " + hasher.getAlgorithm() + " cannot be cloned", e);
        }
    }

    /**
     * Makes the blob durable and visible at its digest path: force, verify the digest, then an atomic rename.
     * On a digest mismatch or any I/O failure the temp file is deleted and nothing is committed.
     */
    public StoredBlob commit() throws IOException {
        verify();
        return publish();
    }

    /**
     * The first half of {@link #commit()}: forces the temp file to disk and checks the digest, without making the blob
     * visible. On a mismatch or an I/O failure the temp file is deleted.
     */
    public StoredBlob verify() throws IOException {
        return verify(() -> {
        });
    }

    /**
     * {@link #verify()}, running {@code onDigestMatched} as soon as the digest is known to match and before the fsync:
     * whoever streams the temp file to clients may finish them then, since the bytes are right; only the cache's
     * durability is still to come.
     */
    public StoredBlob verify(Runnable onDigestMatched) throws IOException {
        requireOpen();
        try {
            hook.beforeCommit(expected);
            Digest actual = Digest.of(expected.algorithm(), hasher.digest());
            if (!actual.equals(expected)) {
                throw new DigestMismatchException(expected, actual);
            }
            onDigestMatched.run();
            // Durable before visible: after a crash a committed path never holds a partial file.
            channel.force(true);
            channel.close();
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
        verified = true;
        return new StoredBlob(expected, blobPath, written);
    }

    /** The second half of {@link #commit()}: the atomic rename to the digest path. On failure the temp file is deleted. */
    public StoredBlob publish() throws IOException {
        requireOpen();
        if (!verified) {
            throw new IllegalStateException("writer for " + expected + " must be verified before it is published");
        }
        try {
            Files.createDirectories(blobPath.getParent());
            // rename(2) replaces an existing target atomically; if a concurrent fill committed the same digest first,
            // its content is identical, so replacing it is harmless and readers of the old file keep their inode.
            Files.move(tempPath, blobPath, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
        committed = true;
        return new StoredBlob(expected, blobPath, written);
    }

    /** Deletes the temp file. Never throws: it runs on error paths that already have an exception to report. */
    public void abort() {
        if (committed || aborted) {
            return;
        }
        aborted = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to save: the file is deleted next.
        }
        try {
            Files.deleteIfExists(tempPath);
        } catch (IOException ignored) {
            // Left for the next startup, which empties the temp dir.
        }
    }

    /** Aborts unless committed, so try-with-resources never leaves a temp file behind. */
    @Override
    public void close() {
        abort();
    }

    private void requireOpen() {
        if (committed) {
            throw new IllegalStateException("writer for " + expected + " is already committed");
        }
        if (aborted) {
            throw new IllegalStateException("writer for " + expected + " was aborted");
        }
    }
}
