package dev.longshore.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Collects a small body into a byte array for {@link UpstreamClient#fetch}, failing past a limit. */
final class AggregatingSink implements BodySink {

    private final UpstreamResponseHead head;
    private final int maxBodyBytes;
    private final CompletableFuture<UpstreamResponse> result;
    private final ByteArrayOutputStream body;

    private AggregatingSink(UpstreamResponseHead head, int maxBodyBytes, CompletableFuture<UpstreamResponse> result, int expected) {
        this.head = head;
        this.maxBodyBytes = maxBodyBytes;
        this.result = result;
        this.body = new ByteArrayOutputStream(Math.max(expected, 0));
    }

    /**
     * A sink for the head, or - when Content-Length already says the body is too large - fails {@code result}
     * and throws, so that the exchange drops the connection without reading the body. The Content-Length of
     * an answer to HEAD, and of a 204 or 304, describes no body here.
     */
    static AggregatingSink forHead(UpstreamResponseHead head, boolean headRequest, int maxBodyBytes,
                                   CompletableFuture<UpstreamResponse> result) {
        boolean bodyless = headRequest || head.status() == 204 || head.status() == 304;
        long declared = bodyless ? 0 : contentLength(head);
        if (declared > maxBodyBytes) {
            UpstreamBodyTooLargeException tooLarge = new UpstreamBodyTooLargeException(
                    "upstream body of " + declared + " bytes exceeds the limit of " + maxBodyBytes);
            result.completeExceptionally(tooLarge);
            throw new CompletionException(tooLarge);
        }
        return new AggregatingSink(head, maxBodyBytes, result, declared < 0 ? 256 : (int) declared);
    }

    private static long contentLength(UpstreamResponseHead head) {
        String value = head.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public CompletionStage<Void> onData(ByteBuf chunk) {
        try {
            if ((long) body.size() + chunk.readableBytes() > maxBodyBytes) {
                UpstreamBodyTooLargeException tooLarge = new UpstreamBodyTooLargeException(
                        "upstream body exceeds the limit of " + maxBodyBytes + " bytes");
                result.completeExceptionally(tooLarge);
                return CompletableFuture.failedFuture(tooLarge);
            }
            byte[] bytes = new byte[chunk.readableBytes()];
            chunk.readBytes(bytes);
            body.write(bytes, 0, bytes.length);
            return CompletableFuture.completedFuture(null);
        } finally {
            chunk.release();
        }
    }

    @Override
    public void onComplete() {
        result.complete(new UpstreamResponse(head.status(), head.headers(), body.toByteArray()));
    }

    @Override
    public void onError(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
