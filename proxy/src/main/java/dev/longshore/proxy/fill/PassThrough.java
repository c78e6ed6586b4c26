package dev.longshore.proxy.fill;

import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.upstream.BodySink;
import dev.longshore.proxy.upstream.UpstreamClient;
import dev.longshore.proxy.upstream.UpstreamRequest;
import dev.longshore.proxy.upstream.UpstreamResponseHead;
import dev.longshore.storage.Digest;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CancellationException;

/**
 * One client's own stream of the rest of a blob from the upstream, for when the fill could not write it to disk
 * (disk full, I/O error): a GET with {@code Range} from where the client is, handed on chunk by chunk. The upstream
 * reads the next chunk only once the client has taken this one, so it costs one chunk of memory.
 *
 * <p>When the client reads the whole blob, the hash the fill had over the bytes already sent continues over these,
 * and {@link #verified()} says at the end whether the whole body matched the digest (the reader holds back the last
 * byte until then). A client reading a range gets the upstream's bytes unverified: there is nothing to hash them
 * against without the rest of the blob.
 *
 * <p>Threads: the sink methods run on the upstream connection's event loop, {@link #poll} and {@link #close} on the
 * client's; the queue and volatile fields carry everything between them.
 */
final class PassThrough implements BodySink {
    private final Digest digest;
    private final MessageDigest hash;
    private final Runnable wakeUp;
    private final ConcurrentLinkedQueue<ByteBuf> chunks = new ConcurrentLinkedQueue<>();
    private volatile CompletableFuture<Void> taken;
    private volatile boolean complete;
    private volatile Throwable error;
    private volatile boolean closed;
    private volatile Boolean matches;

    /**
     * @param hash   the hash over the body's bytes before {@code from}, to continue and check; null for a range read
     * @param wakeUp run whenever there is something new for the reader
     */
    private PassThrough(Digest digest, MessageDigest hash, Runnable wakeUp) {
        this.digest = digest;
        this.hash = hash;
        this.wakeUp = wakeUp;
    }

    /** Starts the GET of bytes {@code [from, end)} ({@code end} -1: to the end). */
    static PassThrough start(UpstreamClient upstream, RepositoryName name, Digest digest, long from, long end,
                             MessageDigest hash, Runnable wakeUp) {
        PassThrough relay = new PassThrough(digest, hash, wakeUp);
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.RANGE, "bytes=" + from + "-" + (end < 0 ? "" : Long.toString(end - 1)));
        var request = new UpstreamRequest(HttpMethod.GET, "/v2/" + name + "/blobs/" + digest, headers, "repository:" + name + ":pull");
        upstream.stream(request, head -> relay.sinkFor(head, from)).whenComplete((head, failure) -> {
            if (failure != null) {
                relay.onError(failure);
            } else if (head.status() != 200 && head.status() != 206) {
                relay.onError(new IOException("upstream answered " + head.status() + " to the pass-through of " + digest));
            }
        });
        return relay;
    }

    private BodySink sinkFor(UpstreamResponseHead head, long from) {
        if (head.status() == 200 && from > 0) {
            // An upstream that ignores Range: a body we cannot line up with what the client already has.
            throw new CancellationException("upstream ignored Range for the pass-through of " + digest);
        }
        return this;
    }

    @Override
    public CompletionStage<Void> onData(ByteBuf chunk) {
        if (closed) {
            chunk.release();
            return CompletableFuture.failedFuture(new CancellationException("the client of " + digest + " has gone"));
        }
        if (hash != null) {
            for (ByteBuffer buffer : chunk.nioBuffers()) {
                hash.update(buffer);
            }
        }
        CompletableFuture<Void> next = new CompletableFuture<>();
        taken = next;
        chunks.add(chunk);
        if (closed) {
            releaseAll(); // close() ran between the check and the add
        }
        wakeUp.run();
        return next;
    }

    @Override
    public void onComplete() {
        if (hash != null) {
            matches = Digest.of(digest.algorithm(), hash.digest()).equals(digest);
        }
        complete = true;
        wakeUp.run();
    }

    @Override
    public void onError(Throwable cause) {
        error = cause;
        wakeUp.run();
    }

    /** The next chunk, without taking it; null if none has arrived. */
    ByteBuf peek() throws IOException {
        ByteBuf head = chunks.peek();
        CompletableFuture<Void> next = taken;
        if (head != null && next != null) {
            // The reader has the chunk: let the upstream send the next one (at most two wait here). Waiting for the
            // chunk to be used up instead would deadlock on the last byte, which waits for onComplete.
            next.complete(null);
        }
        if (head == null && error != null && !complete) {
            throw new IOException("upstream pass-through of " + digest + " failed: " + error, error);
        }
        return head;
    }

    /** Drops the chunk {@link #peek} returned, which the reader has used up, and lets the upstream send the next. */
    void consumed(ByteBuf chunk) {
        if (chunks.remove(chunk)) {
            chunk.release();
        }
    }

    /** The upstream sent the whole span. */
    boolean complete() {
        return complete && chunks.isEmpty();
    }

    /** Null until the body is complete; then whether the whole blob hashed to its digest. Always true for range reads. */
    Boolean verified() {
        if (!complete) {
            return null;
        }
        return hash == null ? Boolean.TRUE : matches;
    }

    void close() {
        closed = true;
        releaseAll();
        CompletableFuture<Void> next = taken;
        if (next != null) {
            next.completeExceptionally(new CancellationException("the client of " + digest + " has gone"));
        }
    }

    private void releaseAll() {
        ByteBuf chunk;
        while ((chunk = chunks.poll()) != null) {
            chunk.release();
        }
    }
}
