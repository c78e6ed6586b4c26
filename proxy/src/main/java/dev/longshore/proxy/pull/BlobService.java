package dev.longshore.proxy.pull;

import dev.longshore.proxy.api.ByteRange;
import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.fill.BlobFill;
import dev.longshore.proxy.fill.BlobFills;
import dev.longshore.proxy.fill.FillFile;
import dev.longshore.proxy.fill.FillReader;
import dev.longshore.proxy.fill.UpstreamFailures;
import dev.longshore.proxy.http.Replies;
import dev.longshore.proxy.http.Reply;
import dev.longshore.proxy.upstream.UpstreamRequest;
import dev.longshore.storage.Digest;
import dev.longshore.storage.StoredBlob;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code GET}/{@code HEAD /v2/<name>/blobs/<digest>}: a hit is the cached file; a miss joins or starts the
 * {@link BlobFills fill} for the digest and streams from it. A HEAD miss asks the upstream with a HEAD, so that
 * checking for a blob never downloads it.
 */
public final class BlobService {
    private final BlobFills fills;
    private final Executor storageExecutor;

    public BlobService(BlobFills fills, Executor storageExecutor) {
        this.fills = fills;
        this.storageExecutor = storageExecutor;
    }

    public CompletableFuture<Reply> get(PullRequest request, Digest digest, boolean head) {
        HttpHeaders client = request.clientHeaders();
        // A Range under an If-Range that names another version is ignored: the client wants the whole blob then.
        String range = ByteRange.ifRangeAllows(client.get(HttpHeaderNames.IF_RANGE), Replies.entityTag(digest))
                ? client.get(HttpHeaderNames.RANGE) : null;
        return CompletableFuture.supplyAsync(() -> open(request, digest, head), storageExecutor)
                .thenCompose(opened -> switch (opened.source()) {
                    case BlobFills.Stored stored -> CompletableFuture.completedFuture(fromFile(stored.blob(), range));
                    case BlobFills.Filling filling -> fromFill(filling, opened.file(), digest, range, head);
                    case null -> headUpstream(request, digest);
                });
    }

    /**
     * The cached blob or its fill (null for a HEAD that missed: it must not start a download) and, for a GET of a
     * fill, a hold on the fill's file for this client. It is taken here, on the storage executor (it may have to open
     * the file), so that the reply can be made on whatever thread the upstream's head arrives on, without one more hop
     * before the first byte. A hold is a count on the fill's one handle, not a file of the client's own: a client that
     * leaves while the upstream is slow to answer costs no file descriptor.
     */
    private record Opened(BlobFills.Source source, FillFile file) {
    }

    private Opened open(PullRequest request, Digest digest, boolean head) {
        try {
            if (head) {
                return new Opened(fills.find(digest).orElse(null), null);
            }
            BlobFills.Source source = fills.open(request.upstream(), request.name(), digest);
            return new Opened(source, source instanceof BlobFills.Filling filling ? openFile(filling.fill()) : null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FillFile openFile(BlobFill fill) throws IOException {
        try {
            return fill.fileForReader();
        } catch (IOException e) {
            requireNotFailed(fill); // the temp file was deleted under us by the failure: the client gets the fill's error
            throw e;
        }
    }

    private static Reply fromFile(StoredBlob blob, String rangeHeader) {
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(rangeHeader, blob.size());
        } catch (RegistryException e) {
            return unsatisfiable(e, blob.size());
        }
        HttpHeaders headers = blobHeaders(blob.digest(), "hit");
        if (range.isEmpty()) {
            return new Reply.File(HttpResponseStatus.OK, headers, blob, 0, blob.size());
        }
        ByteRange r = range.get();
        headers.set(HttpHeaderNames.CONTENT_RANGE, r.contentRange(blob.size()));
        return new Reply.File(HttpResponseStatus.PARTIAL_CONTENT, headers, blob, r.first(), r.length());
    }

    /** The reply once the upstream's head is in; it runs on the thread that completes the head and never blocks. */
    private static CompletableFuture<Reply> fromFill(BlobFills.Filling filling, FillFile file, Digest digest,
                                                     String rangeHeader, boolean head) {
        BlobFill fill = filling.fill();
        String status = filling.joined() ? "fwd=miss; collapsed" : "fwd=miss";
        CompletableFuture<Reply> reply = fill.head().thenApply(upstreamHead -> {
            HttpHeaders headers = blobHeaders(digest, status);
            // A fill that already failed must not start a body: a client without headers gets the fill's error (502).
            requireNotFailed(fill);
            if (upstreamHead.size().isEmpty()) {
                // Without a size there is no range to check against: send the whole blob, chunked.
                return head ? new Reply.HeadOnly(HttpResponseStatus.OK, headers, -1)
                        : new Reply.Filling(HttpResponseStatus.OK, headers, FillReader.over(fill, file, 0, -1), -1);
            }
            long size = upstreamHead.size().getAsLong();
            Optional<ByteRange> range;
            try {
                range = ByteRange.parse(rangeHeader, size);
            } catch (RegistryException e) {
                return unsatisfiable(e, size);
            }
            long first = 0;
            long end = size;
            HttpResponseStatus ok = HttpResponseStatus.OK;
            if (range.isPresent()) {
                ByteRange r = range.get();
                headers.set(HttpHeaderNames.CONTENT_RANGE, r.contentRange(size));
                first = r.first();
                end = r.last() + 1;
                ok = HttpResponseStatus.PARTIAL_CONTENT;
            }
            return head ? new Reply.HeadOnly(ok, headers, end - first)
                    : new Reply.Filling(ok, headers, FillReader.over(fill, file, first, end), end - first);
        });
        // Any other answer (an error, a HEAD, an unsatisfiable range) leaves the file with us.
        return reply.whenComplete((r, error) -> {
            if (!(r instanceof Reply.Filling) && file != null) {
                file.release();
            }
        });
    }

    private static void requireNotFailed(BlobFill fill) {
        if (fill.state() == BlobFill.State.FAILED) {
            throw fill.failure();
        }
    }

    private static CompletableFuture<Reply> headUpstream(PullRequest request, Digest digest) {
        var upstreamRequest = new UpstreamRequest(HttpMethod.HEAD, "/v2/" + request.name() + "/blobs/" + digest,
                new DefaultHttpHeaders(), request.pullScope());
        return request.upstream().fetch(upstreamRequest, 0).handle((response, error) -> {
            if (error != null) {
                throw UpstreamFailures.transport(request.upstream(), error);
            }
            if (response.status() != 200) {
                throw UpstreamFailures.status(request.upstream(), response.status(), ErrorCode.BLOB_UNKNOWN, "blob " + digest);
            }
            // A HEAD reply's Content-Length is the size a GET would send: the upstream's.
            String length = response.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            return new Reply.HeadOnly(HttpResponseStatus.OK, blobHeaders(digest, "fwd=miss"),
                    length == null ? -1 : Long.parseLong(length.trim()));
        });
    }

    private static HttpHeaders blobHeaders(Digest digest, String cacheStatus) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        headers.set("Docker-Content-Digest", digest.toString());
        headers.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        headers.set(HttpHeaderNames.ETAG, Replies.entityTag(digest));
        return Replies.cacheStatus(headers, cacheStatus);
    }

    private static Reply unsatisfiable(RegistryException e, long size) {
        Reply.Bytes reply = Replies.error(e);
        reply.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
        return reply;
    }
}
