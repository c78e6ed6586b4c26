package dev.longshore.proxy.fill;

import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.upstream.BodySink;
import dev.longshore.proxy.upstream.UpstreamClient;
import dev.longshore.proxy.upstream.UpstreamRequest;
import dev.longshore.proxy.upstream.UpstreamResponseHead;
import dev.longshore.storage.BlobWriter;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.StoredBlob;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The fetch coalescer for blobs: at most one {@link BlobFill} per digest at a time, and every client of that digest
 * reads from it.
 *
 * <p>All blocking work of a fill (temp file writes, hashing, fsync, rename, the index update) runs on the storage
 * executor as one serial chain per fill, so an event loop never waits on the disk and writes stay in order. The
 * upstream client reads the next chunk only after the previous one is on disk: a slow disk slows the download instead
 * of filling the heap.
 */
public final class BlobFills {
    private static final Logger log = LoggerFactory.getLogger(BlobFills.class);

    /** Either the committed blob, or the fill that is producing it. */
    public sealed interface Source {
    }

    public record Stored(StoredBlob blob) implements Source {
    }

    public record Filling(BlobFill fill, boolean joined) implements Source {
    }

    private final CacheStorage storage;
    private final Executor storageExecutor;
    private final ConcurrentHashMap<Digest, BlobFill> inFlight = new ConcurrentHashMap<>();

    public BlobFills(CacheStorage storage, Executor storageExecutor) {
        this.storage = storage;
        this.storageExecutor = storageExecutor;
    }

    /**
     * Finds the blob in the cache, joins the fill in flight for it, or starts one. Blocks on the disk: call it on the
     * storage executor.
     */
    public Source open(UpstreamClient upstream, RepositoryName name, Digest digest) throws IOException {
        var stored = storage.findBlob(digest);
        if (stored.isPresent()) {
            return new Stored(stored.get());
        }
        boolean[] started = {false};
        BlobFill fill;
        try {
            fill = inFlight.computeIfAbsent(digest, d -> {
                // A fill may have committed between the lookup above and this one.
                if (storage.findBlob(d).isPresent()) {
                    return null;
                }
                started[0] = true;
                return newFill(d);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (fill == null) {
            return new Stored(storage.findBlob(digest).orElseThrow(() -> new IOException("blob " + digest + " vanished right after its commit")));
        }
        if (started[0]) {
            start(fill, upstream, name);
        }
        return new Filling(fill, !started[0]);
    }

    /** The cached blob or the fill in flight for it, without starting one. Blocks on the disk. */
    public java.util.Optional<Source> find(Digest digest) {
        var stored = storage.findBlob(digest);
        if (stored.isPresent()) {
            return java.util.Optional.of(new Stored(stored.get()));
        }
        BlobFill fill = inFlight.get(digest);
        return fill == null ? java.util.Optional.empty() : java.util.Optional.of(new Filling(fill, true));
    }

    /** Fills in flight now; for tests and metrics. */
    public int inFlight() {
        return inFlight.size();
    }

    private BlobFill newFill(Digest digest) {
        try {
            return new BlobFill(digest, storage.blobs().newWriter(digest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start(BlobFill fill, UpstreamClient upstream, RepositoryName name) {
        var headers = new DefaultHttpHeaders();
        var request = new UpstreamRequest(HttpMethod.GET, "/v2/" + name + "/blobs/" + fill.digest(), headers,
                "repository:" + name + ":pull");
        var chain = new SerialChain(storageExecutor);
        upstream.stream(request, head -> sinkFor(fill, head, chain))
                .whenComplete((head, error) -> {
                    if (error != null) {
                        chain.run(() -> fail(fill, UpstreamFailures.transport(upstream, error)));
                    } else if (head.status() != 200) {
                        chain.run(() -> fail(fill, UpstreamFailures.blobStatus(upstream, fill.digest(), head)));
                    }
                });
    }

    private BodySink sinkFor(BlobFill fill, UpstreamResponseHead head, SerialChain chain) {
        if (head.status() != 200) {
            return null;
        }
        OptionalLong size = contentLength(head);
        fill.started(new BlobFill.Head(size));
        return new BodySink() {
            @Override
            public CompletionStage<Void> onData(ByteBuf chunk) {
                return chain.run(() -> {
                    try {
                        write(fill, chunk);
                    } finally {
                        chunk.release();
                    }
                });
            }

            @Override
            public void onComplete() {
                chain.run(() -> commit(fill, size));
            }

            @Override
            public void onError(Throwable cause) {
                chain.run(() -> fail(fill, UpstreamFailures.transport(null, cause)));
            }
        };
    }

    private static OptionalLong contentLength(UpstreamResponseHead head) {
        String value = head.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        try {
            return value == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private void write(BlobFill fill, ByteBuf chunk) {
        if (fill.state() != BlobFill.State.STREAMING) {
            return;
        }
        try {
            BlobWriter writer = fill.writer();
            for (ByteBuffer buffer : chunk.nioBuffers()) {
                writer.write(buffer);
            }
            fill.progressed();
        } catch (IOException e) {
            fail(fill, e);
            throw new UncheckedIOException(e);
        }
    }

    private void commit(BlobFill fill, OptionalLong declaredSize) {
        if (fill.state() != BlobFill.State.STREAMING) {
            return;
        }
        long written = fill.writer().written();
        if (declaredSize.isPresent() && written != declaredSize.getAsLong()) {
            fail(fill, new IOException("upstream body ended after " + written + " of " + declaredSize.getAsLong() + " bytes"));
            return;
        }
        try {
            StoredBlob blob = storage.commit(fill.writer());
            inFlight.remove(fill.digest(), fill);
            fill.committed(blob);
        } catch (IOException | RuntimeException e) {
            fail(fill, e);
        }
    }

    private void fail(BlobFill fill, Throwable cause) {
        if (fill.state() != BlobFill.State.STREAMING) {
            return;
        }
        log.warn("fill of {} failed: {}", fill.digest(), cause.toString());
        fill.writer().abort();
        inFlight.remove(fill.digest(), fill);
        fill.failed(cause);
    }

    /** Runs tasks one after another on an executor, in submission order. */
    private static final class SerialChain {
        private final Executor executor;
        private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

        SerialChain(Executor executor) {
            this.executor = executor;
        }

        synchronized CompletableFuture<Void> run(Runnable task) {
            CompletableFuture<Void> next = tail.exceptionally(ignored -> null).thenRunAsync(task, executor);
            tail = next;
            return next;
        }
    }
}
