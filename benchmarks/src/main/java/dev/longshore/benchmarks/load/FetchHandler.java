package dev.longshore.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/** Reads one response, counting (and optionally hashing or keeping) its body, then closes the connection. */
final class FetchHandler extends SimpleChannelInboundHandler<HttpObject> {

    private static final int MAX_KEPT_BODY = 4 << 20;

    private final long start;
    private final MessageDigest hasher;
    private final ByteArrayOutputStream body;
    private final CompletableFuture<FetchResult> result;
    private int status;
    private long bytes;
    private long firstByte;

    FetchHandler(long start, boolean hash, boolean keepBody, CompletableFuture<FetchResult> result) {
        this.start = start;
        this.hasher = hash ? sha256() : null;
        this.body = keepBody ? new ByteArrayOutputStream() : null;
        this.result = result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
        if (msg instanceof HttpResponse response) {
            status = response.status().code();
        }
        if (msg instanceof HttpContent content) {
            ByteBuf buf = content.content();
            int n = buf.readableBytes();
            if (n > 0 && firstByte == 0) {
                firstByte = System.nanoTime();
            }
            bytes += n;
            if (hasher != null) {
                for (ByteBuffer nio : buf.nioBuffers()) {
                    hasher.update(nio);
                }
            }
            if (body != null && body.size() + n <= MAX_KEPT_BODY) {
                buf.getBytes(buf.readerIndex(), body, n);
            }
        }
        if (msg instanceof LastHttpContent) {
            finish(true);
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(false);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void finish(boolean complete) {
        if (result.isDone()) {
            return;
        }
        String digest = hasher == null ? null : "sha256:" + HexFormat.of().formatHex(hasher.digest());
        result.complete(new FetchResult(status, bytes, start, firstByte, System.nanoTime(), complete, digest,
                body == null ? null : body.toByteArray()));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
