package dev.longshore.proxy.fill;

import dev.longshore.storage.BlobWriter;
import dev.longshore.storage.Digest;
import dev.longshore.storage.StoredBlob;

import java.nio.file.Path;
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
 * <p>Thread-safety: written by one thread at a time (its {@link BlobFills} serial task chain), read by any.
 */
public final class BlobFill {

    public enum State { STREAMING, COMMITTED, FAILED }

    /** What the upstream told us before the body: the blob's size when it sent a Content-Length. */
    public record Head(OptionalLong size) {
    }

    private final Digest digest;
    private final BlobWriter writer;
    private final CompletableFuture<Head> head = new CompletableFuture<>();
    private final Set<Runnable> listeners = ConcurrentHashMap.newKeySet();
    private volatile State state = State.STREAMING;
    private volatile Throwable failure;
    private volatile StoredBlob committed;

    BlobFill(Digest digest, BlobWriter writer) {
        this.digest = digest;
        this.writer = writer;
    }

    public Digest digest() {
        return digest;
    }

    /** Completes when the upstream answered 200 with the body's head; fails with a RegistryException otherwise. */
    public CompletableFuture<Head> head() {
        return head;
    }

    public State state() {
        return state;
    }

    /** Why the fill failed; null unless {@link #state()} is FAILED. */
    public Throwable failure() {
        return failure;
    }

    /** Bytes of the body already in the temp file. */
    public long written() {
        return state == State.COMMITTED ? committed.size() : writer.written();
    }

    /** The file to read: the temp file while streaming. Readers open it once; the open handle survives the commit's rename. */
    public Path tempPath() {
        return writer.tempPath();
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

    void committed(StoredBlob blob) {
        committed = blob;
        state = State.COMMITTED;
        notifyListeners();
    }

    void failed(Throwable cause) {
        if (state != State.STREAMING) {
            return;
        }
        failure = cause;
        state = State.FAILED;
        head.completeExceptionally(cause);
        notifyListeners();
    }

    private void notifyListeners() {
        listeners.forEach(Runnable::run);
    }
}
