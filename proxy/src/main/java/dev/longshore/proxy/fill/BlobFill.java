package dev.longshore.proxy.fill;

import dev.longshore.proxy.api.RegistryException;
import dev.longshore.storage.BlobWriter;
import dev.longshore.storage.Digest;
import dev.longshore.storage.StoredBlob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.upstream.UpstreamClient;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One download of one blob from an upstream into a temp file, shared by every client that asks for that blob meanwhile.
 *
 * <p>The fill belongs to no client: it runs until the upstream body ends, then commits the file only if the digest
 * verifies. Clients follow it through {@link FillReader}s, which read the temp file as it grows and are woken by
 * {@link #addListener progress listeners}. A fill moves STREAMING → COMMITTED or STREAMING → FAILED, once.
 *
 * <p>Thread-safety: written by one thread at a time (its {@link FillDownload}'s serial task chain), read by any.
 */
public final class BlobFill {
    private static final Logger log = LoggerFactory.getLogger(BlobFill.class);

    /**
     * PASS_THROUGH: the blob could not be written or committed (disk full, I/O error). Nothing is cached; each reader
     * reads what reached the temp file (its open handle outlives the unlink), then the rest from the upstream itself.
     */
    public enum State { STREAMING, COMMITTED, FAILED, PASS_THROUGH }

    /**
     * Where the disk gave up: {@code written} bytes are in the temp file, {@code hash} covers them, and
     * {@code bodyComplete} says the upstream had sent the whole body (the commit failed, not a write).
     */
    record Detached(long written, MessageDigest hash, boolean bodyComplete, boolean verified) {
    }

    /** What the upstream told us before the body: the blob's size when it sent a Content-Length. */
    public record Head(OptionalLong size) {
    }

    private final Digest digest;
    private final BlobWriter writer;
    /** The fill's read handle on its temp file, for its readers; let go when the fill ends. */
    private final FillFile file;
    private final UpstreamClient upstream;
    private final RepositoryName name;
    private volatile Detached detached;
    private final CompletableFuture<Head> head = new CompletableFuture<>();
    private final Set<Runnable> listeners = ConcurrentHashMap.newKeySet();
    private volatile State state = State.STREAMING;
    private volatile boolean digestVerified;
    private volatile RegistryException failure;
    private volatile StoredBlob committed;

    BlobFill(Digest digest, BlobWriter writer, FillFile file, UpstreamClient upstream, RepositoryName name) {
        this.digest = digest;
        this.writer = writer;
        this.file = file;
        this.upstream = upstream;
        this.name = name;
    }

    UpstreamClient upstream() {
        return upstream;
    }

    RepositoryName name() {
        return name;
    }

    /** Where the disk gave up; null unless {@link #state()} is PASS_THROUGH. */
    Detached detached() {
        return detached;
    }

    public Digest digest() {
        return digest;
    }

    /** Completes when the upstream answered 200 with the body's head; fails with the fill's RegistryException otherwise. */
    public CompletableFuture<Head> head() {
        return head;
    }

    public State state() {
        return state;
    }

    /** Why the fill failed, as the error a client that has had no headers yet gets; null unless {@link #state()} is FAILED. */
    public RegistryException failure() {
        return failure;
    }

    /** Bytes of the body already in the temp file. */
    public long written() {
        return switch (state) {
            case COMMITTED -> committed.size();
            case PASS_THROUGH -> detached.written();
            default -> writer.written();
        };
    }

    /**
     * A handle on the fill's file for one more reader, which must {@link FillFile#release release} it: the fill's own
     * while anyone holds it, else (the fill has ended) a new one on the blob or on the temp file; null when the fill
     * went on without the disk and its temp file is gone. May block on the disk: call it off the event loop.
     */
    public FillFile fileForReader() throws IOException {
        if (file.retain()) {
            return file;
        }
        try {
            return FillFile.open(writer.tempPath());
        } catch (NoSuchFileException e) {
            // The fill committed (renamed) or failed (deleted) its temp file; its state is final by now.
            return switch (state) {
                case COMMITTED -> FillFile.open(committed.path());
                case PASS_THROUGH -> null;
                default -> throw new IOException("fill of " + digest + " failed before this client could read it", failure);
            };
        }
    }

    /** The committed blob; null unless {@link #state()} is COMMITTED. */
    public StoredBlob committed() {
        return committed;
    }

    /** Runs {@code listener} after every chunk written and on the final state change, on the fill's thread: it must not block. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    BlobWriter writer() {
        return writer;
    }

    void started(Head h) {
        head.complete(h);
    }

    void progressed() {
        notifyListeners();
    }

    /**
     * Whether the whole body is in the temp file and hashes to the digest. From then on readers may send the last
     * byte: the bytes are right, and only the cache's durability (fsync, rename) is still to come.
     */
    public boolean digestVerified() {
        return digestVerified;
    }

    void verifiedDigest() {
        digestVerified = true;
        notifyListeners();
    }

    void committed(StoredBlob blob) {
        committed = blob;
        state = State.COMMITTED;
        notifyListeners();
        file.release();
    }

    void detached(Detached where) {
        if (state != State.STREAMING) {
            return;
        }
        detached = where;
        state = State.PASS_THROUGH;
        notifyListeners();
        file.release();
    }

    void failed(RegistryException cause) {
        if (state != State.STREAMING) {
            return;
        }
        failure = cause;
        state = State.FAILED;
        head.completeExceptionally(cause);
        notifyListeners();
        file.release();
    }

    private void notifyListeners() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                // One reader's trouble (say, its event loop shut down) must not break the fill for the others.
                log.debug("a reader of {} could not be woken: {}", digest, e.toString());
            }
        }
    }
}
