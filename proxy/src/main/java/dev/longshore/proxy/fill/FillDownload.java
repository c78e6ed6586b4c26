package dev.longshore.proxy.fill;

import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.upstream.BodySink;
import dev.longshore.proxy.upstream.UpstreamClient;
import dev.longshore.proxy.upstream.UpstreamException;
import dev.longshore.proxy.upstream.UpstreamRequest;
import dev.longshore.proxy.upstream.UpstreamResponseHead;
import dev.longshore.storage.BlobWriter;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.DigestMismatchException;
import dev.longshore.storage.StoredBlob;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The upstream side of one {@link BlobFill}: the GET, and when the body breaks off, GETs with
 * {@code Range: bytes=<written>-} that continue it (a bounded number, with doubling waits scheduled on the event loop),
 * then the commit or the failure. It belongs to no client, so it goes on when every client has gone; the fill timeout
 * bounds it as a whole.
 *
 * <p>Threads: upstream callbacks arrive on the connection's event loop and only hand work on. Everything that touches
 * the temp file or decides how the fill ends runs on the fill's {@link SerialChain}, one task at a time, in order.
 * The upstream client reads on while the chunks not yet on disk stay under a small window, so a slow disk slows the
 * download instead of filling the heap: at most {@link #WRITE_BEHIND_BYTES} wait in memory for the disk.
 *
 * <p>The hash continues across attempts because every attempt appends exactly the bytes that follow the ones already
 * written: a 206 must start at {@code written}, and a 200 (an upstream that ignores Range) has its first
 * {@code written} bytes skipped.
 */
final class FillDownload {
    private static final Logger log = LoggerFactory.getLogger(FillDownload.class);
    /** Body bytes a fill may hold in memory on their way to the disk: the bound on what one fill costs the heap. */
    static final int WRITE_BEHIND_BYTES = 1024 * 1024;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final BlobFill fill;
    private final UpstreamClient upstream;
    private final RepositoryName name;
    private final CacheStorage storage;
    private final SerialChain chain;
    private final ScheduledExecutorService scheduler;
    private final FillLimits limits;
    private final FillCounters counters;
    private final StorageErrors storageErrors;
    private final Runnable onEnd;

    /** The blob's size once an upstream head told us, else -1. Set on the event loop, read on the chain. */
    private volatile long size = -1;
    /** Whether the upstream has answered 200 once: only a body that started is worth resuming. */
    private volatile boolean bodyStarted;
    /** Resumes so far; confined to the chain. */
    private int resumes;
    private volatile ScheduledFuture<?> timeout;
    /** Bytes handed to the chain and not yet written. */
    private final AtomicLong writeBehind = new AtomicLong();
    /** Completed to let the upstream read on, once a full write-behind window has drained to half. */
    private final AtomicReference<CompletableFuture<Void>> upstreamPaused = new AtomicReference<>();
    private volatile Throwable writeFailure;

    FillDownload(BlobFill fill, UpstreamClient upstream, RepositoryName name, CacheStorage storage, SerialChain chain,
                 ScheduledExecutorService scheduler, FillLimits limits, FillCounters counters, StorageErrors storageErrors,
                 Runnable onEnd) {
        this.storageErrors = storageErrors;
        this.fill = fill;
        this.upstream = upstream;
        this.name = name;
        this.storage = storage;
        this.chain = chain;
        this.scheduler = scheduler;
        this.limits = limits;
        this.counters = counters;
        this.onEnd = onEnd;
    }

    void start() {
        try {
            timeout = scheduler.schedule(() -> chain.run(this::timedOut), limits.fillTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            chain.run(() -> fail(FillFailure.UPSTREAM_UNREACHABLE,
                    new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE, "the server is shutting down", e)));
            return;
        }
        request(0);
    }

    /** One GET of the body from {@code from} on. Runs on any thread; it only starts the request. */
    private void request(long from) {
        if (fill.state() != BlobFill.State.STREAMING) {
            return; // timed out while a resume waited for its turn
        }
        HttpHeaders headers = new DefaultHttpHeaders();
        if (from > 0) {
            headers.set(HttpHeaderNames.RANGE, "bytes=" + from + "-");
        }
        var request = new UpstreamRequest(HttpMethod.GET, "/v2/" + name + "/blobs/" + fill.digest(), headers,
                "repository:" + name + ":pull");
        upstream.stream(request, head -> sinkFor(head, from)).whenComplete((head, error) -> {
            if (error != null) {
                chain.run(() -> attemptFailed(error));
            } else if (head.status() != 200 && head.status() != 206) {
                chain.run(() -> statusFailed(head));
            }
        });
    }

    /**
     * Where the body of an attempt goes, decided on the event loop when its head arrives: null for a status we do not
     * stream (the caller maps it); throwing drops the connection and fails the attempt.
     */
    private BodySink sinkFor(UpstreamResponseHead head, long from) {
        if (fill.state() != BlobFill.State.STREAMING) {
            throw new CancellationException("fill of " + fill.digest() + " already ended");
        }
        long contentLength = contentLength(head);
        if (head.status() == 200) {
            if (from == 0) {
                size = contentLength;
                bodyStarted = true;
                fill.started(new BlobFill.Head(contentLength < 0 ? OptionalLong.empty() : OptionalLong.of(contentLength)));
                return new AttemptSink(0);
            }
            // The upstream ignored our Range and sent the whole blob again: drop what we already have.
            if (size >= 0 && contentLength >= 0 && contentLength != size) {
                throw rejected("answered a resume with a whole body of " + contentLength + " bytes, not " + size);
            }
            log.info("upstream {} ignored Range for {}; skipping the first {} bytes", upstream.settings().name(), fill.digest(), from);
            return new AttemptSink(from);
        }
        if (head.status() == 206) {
            if (from == 0) {
                throw rejected("answered 206 to a request without Range");
            }
            checkContentRange(head.headers().get(HttpHeaderNames.CONTENT_RANGE), from);
            return new AttemptSink(0);
        }
        return null;
    }

    /** A 206 must continue exactly where we are and end where the blob ends; it may tell us the size. */
    private void checkContentRange(String value, long from) {
        Matcher m = value == null ? null : CONTENT_RANGE.matcher(value.trim());
        if (m == null || !m.matches()) {
            throw rejected("answered 206 with Content-Range '" + value + "'");
        }
        long first = Long.parseLong(m.group(1));
        long last = Long.parseLong(m.group(2));
        long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        if (first != from) {
            throw rejected("answered a resume from byte " + from + " with bytes from " + first);
        }
        if (total >= 0 && size >= 0 && total != size) {
            throw rejected("answered a resume with a total size of " + total + ", not " + size);
        }
        if (total >= 0 && last != total - 1) {
            throw rejected("answered a resume with bytes " + first + "-" + last + " of " + total + ", not the rest");
        }
        if (size < 0 && total >= 0) {
            size = total;
        }
    }

    private CompletionException rejected(String what) {
        return new CompletionException(new UpstreamException("upstream " + upstream.settings().name() + " " + what
                + " for blob " + fill.digest()));
    }

    /** The body of one attempt. Its chunks go to the chain; the client reads on only when a chunk is written. */
    private final class AttemptSink implements BodySink {
        /** Bytes at the start of this body that the fill already has; only touched by chain tasks, one at a time. */
        private long toSkip;

        AttemptSink(long toSkip) {
            this.toSkip = toSkip;
        }

        @Override
        public CompletionStage<Void> onData(ByteBuf chunk) {
            if (fill.state() != BlobFill.State.STREAMING) {
                chunk.release();
                // Failing the stage makes the client drop the connection: nobody needs the rest of this body.
                return CompletableFuture.failedFuture(new CancellationException("fill of " + fill.digest() + " already ended"));
            }
            int bytes = chunk.readableBytes();
            long queued = writeBehind.addAndGet(bytes);
            chain.run(() -> {
                try {
                    write(chunk, this);
                } finally {
                    chunk.release();
                    if (writeBehind.addAndGet(-bytes) <= WRITE_BEHIND_BYTES / 2) {
                        resumeUpstream(null);
                    }
                }
            }).whenComplete((ignored, error) -> {
                if (error != null) {
                    writeFailure = error;
                    resumeUpstream(error); // a paused upstream learns of the failure and drops the body
                }
            });
            // Within the write-behind window the next chunk may be read while this one waits for the disk, so the
            // download never stalls on a thread hand-off. Past it, the upstream waits until the disk has caught up by
            // half a window: one hand-off back to its event loop per half window, not one per chunk. A write that
            // fails ends the fill.
            if (queued <= WRITE_BEHIND_BYTES) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> paused = new CompletableFuture<>();
            upstreamPaused.set(paused);
            // The chain may have drained, or failed, before the pause was set.
            if (writeFailure != null) {
                resumeUpstream(writeFailure);
            } else if (writeBehind.get() <= WRITE_BEHIND_BYTES / 2) {
                resumeUpstream(null);
            }
            return paused;
        }

        @Override
        public void onComplete() {
            chain.run(FillDownload.this::bodyEnded);
        }

        @Override
        public void onError(Throwable cause) {
            chain.run(() -> attemptFailed(cause));
        }
    }

    /** Lets a paused upstream read on, or with {@code error}, drop the body. */
    private void resumeUpstream(Throwable error) {
        CompletableFuture<Void> paused = upstreamPaused.getAndSet(null);
        if (paused == null) {
            return;
        }
        if (error == null) {
            paused.complete(null);
        } else {
            paused.completeExceptionally(error);
        }
    }

    private void write(ByteBuf chunk, AttemptSink attempt) {
        if (fill.state() != BlobFill.State.STREAMING) {
            throw new CancellationException("fill of " + fill.digest() + " already ended");
        }
        counters.upstreamBytes.increment(chunk.readableBytes());
        if (attempt.toSkip > 0) {
            int skip = (int) Math.min(attempt.toSkip, chunk.readableBytes());
            chunk.skipBytes(skip);
            attempt.toSkip -= skip;
        }
        if (!chunk.isReadable()) {
            return;
        }
        try {
            BlobWriter writer = fill.writer();
            for (ByteBuffer buffer : chunk.nioBuffers()) {
                writer.write(buffer);
            }
        } catch (IOException e) {
            // Disk full or an I/O error: the clients still get the blob, from the upstream, and nothing is cached.
            passThrough("writing blob " + fill.digest(), e, fill.writer().hashSoFar(), false);
            throw new UncheckedIOException(e);
        }
        fill.progressed();
    }

    /** The upstream says the body is complete; a body shorter than its size is resumed like a broken one. */
    private void bodyEnded() {
        if (fill.state() != BlobFill.State.STREAMING) {
            return;
        }
        long written = fill.written();
        if (size >= 0 && written < size) {
            attemptFailed(new UpstreamException("body ended after " + written + " of " + size + " bytes"));
            return;
        }
        commit();
    }

    private void statusFailed(UpstreamResponseHead head) {
        if (!bodyStarted) {
            fail(FillFailure.UPSTREAM_STATUS, UpstreamFailures.blobStatus(upstream, fill.digest(), head));
        } else {
            attemptFailed(new UpstreamException("upstream answered " + head.status() + " to a resume"));
        }
    }

    /** An attempt failed: resume from the bytes written if the body had started and attempts are left, else give up. */
    private void attemptFailed(Throwable error) {
        if (fill.state() != BlobFill.State.STREAMING) {
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (!bodyStarted) {
            fail(FillFailure.UPSTREAM_UNREACHABLE, UpstreamFailures.transport(upstream, cause));
            return;
        }
        long from = fill.written();
        if (size >= 0 && from == size) {
            commit(); // every byte arrived; only the end of the exchange went wrong
            return;
        }
        if (resumes >= limits.maxResumes()) {
            fail(FillFailure.TRUNCATED, new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE, "upstream "
                    + upstream.settings().name() + " broke off blob " + fill.digest() + " after " + from + " bytes"
                    + (size >= 0 ? " of " + size : "") + (resumes > 0 ? ", and " + resumes + " resume(s) did not finish it" : "")
                    + ": " + cause.getMessage(), cause));
            return;
        }
        resumes++;
        long delayNanos = limits.resumeDelay(resumes).toNanos();
        log.info("fill of {} broke off after {} bytes ({}); resume {} of {} in {} ms", fill.digest(), from, cause.getMessage(),
                resumes, limits.maxResumes(), TimeUnit.NANOSECONDS.toMillis(delayNanos));
        try {
            scheduler.schedule(() -> {
                counters.resumed.increment();
                request(from);
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            fail(FillFailure.TRUNCATED, new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE,
                    "blob " + fill.digest() + " broke off while the server shut down", e));
        }
    }

    private void timedOut() {
        fail(FillFailure.TIMEOUT, new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE, "the download of blob " + fill.digest()
                + " from upstream " + upstream.settings().name() + " did not finish within " + limits.fillTimeout()
                + " (" + fill.written() + " bytes arrived)"));
    }

    private void commit() {
        cancelTimeout();
        StoredBlob blob;
        // Taken before the commit consumes the hash: if the commit fails, readers still verify the body with it.
        MessageDigest whole = fill.writer().hashSoFar();
        try {
            // Readers may finish once the digest matched; the fsync and the rename only make the cache durable.
            blob = storage.commit(fill.writer(), upstream.settings().name(), fill::verifiedDigest);
        } catch (DigestMismatchException e) {
            fail(FillFailure.DIGEST_MISMATCH, new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE, "upstream "
                    + upstream.settings().name() + " sent content for " + fill.digest() + " that hashes to " + e.actual(), e));
            return;
        } catch (IOException | RuntimeException e) {
            passThrough("committing blob " + fill.digest(), e, whole, true);
            return;
        }
        storageErrors.committed();
        onEnd.run();
        counters.committed.increment();
        fill.committed(blob);
    }

    /** Ends the fill without a blob: the temp file goes, the entry is freed, and readers are cut off. */
    private void fail(FillFailure cause, RegistryException error) {
        if (fill.state() != BlobFill.State.STREAMING) {
            return;
        }
        cancelTimeout();
        if (cause == FillFailure.UPSTREAM_STATUS) {
            log.info("fill of {} not started: {}", fill.digest(), error.getMessage()); // a 404 is an answer, not a fault
        } else {
            log.warn("fill of {} failed ({}): {}", fill.digest(), cause.tag(), error.getMessage());
        }
        fill.writer().abort();
        onEnd.run();
        counters.failed(cause).increment();
        fill.failed(error);
    }

    /**
     * The disk failed: the temp file goes (readers keep their handles, and read what it has), the entry is freed so
     * the next request tries the disk afresh, and each reader continues from the upstream on its own.
     */
    private void passThrough(String what, Throwable error, MessageDigest hash, boolean bodyComplete) {
        if (fill.state() != BlobFill.State.STREAMING) {
            return;
        }
        cancelTimeout();
        long written = fill.writer().written();
        boolean verified = bodyComplete && verifies(hash);
        storageErrors.failed(what, error);
        // The state first, the unlink after: a reader opening the temp file in between either still finds it, or sees
        // PASS_THROUGH and goes to the upstream; never a missing file in a fill that looks alive.
        fill.detached(new BlobFill.Detached(written, hash, bodyComplete, verified));
        fill.writer().abort();
        onEnd.run();
    }

    private boolean verifies(MessageDigest hash) {
        try {
            MessageDigest copy = (MessageDigest) hash.clone();
            return Digest.of(fill.digest().algorithm(), copy.digest()).equals(fill.digest());
        } catch (CloneNotSupportedException e) {
            return false;
        }
    }

    private void cancelTimeout() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
    }

    private static long contentLength(UpstreamResponseHead head) {
        String value = head.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
