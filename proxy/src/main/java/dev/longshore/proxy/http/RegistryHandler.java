package dev.longshore.proxy.http;

import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.fill.FillReader;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The last handler of the server pipeline ({@code HttpServerCodec → ChunkedWriteHandler → RegistryHandler}): takes
 * each request to the {@link RegistryService}, writes the {@link Reply} it decides on, and answers by itself only for
 * failures: a malformed request (400), a write method (405 UNSUPPORTED), and anything thrown (the spec's JSON error).
 *
 * <p>One request per connection is in progress at a time; requests a client pipelines wait in a short queue, so
 * responses go out in order. Request bodies are never read into memory: a mirror accepts none.
 */
public final class RegistryHandler extends SimpleChannelInboundHandler<HttpObject> {
    private static final Logger log = LoggerFactory.getLogger(RegistryHandler.class);
    /** One line per request; the JSON audit log of the operations issue replaces it. */
    private static final Logger access = LoggerFactory.getLogger("longshore.access");
    private static final int MAX_PIPELINED = 16;

    private final RegistryService service;
    private final Queue<HttpRequest> waiting = new ArrayDeque<>();
    private boolean busy;

    public RegistryHandler(RegistryService service) {
        this.service = service;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (!(msg instanceof HttpRequest request)) {
            return; // request body content: a mirror has no use for it, and SimpleChannelInboundHandler releases it
        }
        if (busy) {
            if (waiting.size() >= MAX_PIPELINED) {
                ctx.close();
                return;
            }
            waiting.add(request);
            return;
        }
        handle(ctx, request);
    }

    private void handle(ChannelHandlerContext ctx, HttpRequest request) {
        busy = true;
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean head = request.method().equals(HttpMethod.HEAD);
        CompletableFuture<Reply> reply;
        if (request.decoderResult().isFailure()) {
            reply = CompletableFuture.completedFuture(error(new RegistryException(ErrorCode.NAME_INVALID,
                    "malformed HTTP request: " + request.decoderResult().cause().getMessage())));
            keepAlive = false;
        } else {
            try {
                reply = service.handle(request);
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
        }
        // A request with a body we will not read cannot be followed by another on this connection.
        if (HttpUtil.isContentLengthSet(request) && HttpUtil.getContentLength(request, 0L) > 0 || HttpUtil.isTransferEncodingChunked(request)) {
            keepAlive = false;
        }
        boolean keep = keepAlive;
        long startNanos = System.nanoTime();
        String requestLine = request.method() + " " + request.uri();
        reply.handle((r, e) -> e == null ? r : error(e))
                .thenAccept(r -> ctx.executor().execute(() -> write(ctx, r, head, keep, requestLine, startNanos)));
    }

    private void write(ChannelHandlerContext ctx, Reply reply, boolean head, boolean keepAlive, String requestLine, long startNanos) {
        if (!ctx.channel().isActive()) {
            closeQuietly(reply);
            return;
        }
        HttpHeaders headers = reply.headers();
        headers.set("Docker-Distribution-API-Version", "registry/2.0");
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture done;
        switch (reply) {
            case Reply.Bytes bytes -> {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, bytes.body().length);
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
                        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes.body()), headers, new DefaultHttpHeaders());
                done = ctx.writeAndFlush(response);
            }
            case Reply.HeadOnly headOnly -> {
                if (headOnly.contentLength() >= 0) {
                    headers.set(HttpHeaderNames.CONTENT_LENGTH, headOnly.contentLength());
                }
                ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, reply.status(), headers));
                done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            case Reply.File file -> {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, file.length());
                ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, reply.status(), headers));
                if (!head && file.length() > 0) {
                    ctx.write(new DefaultFileRegion(file.blob().path().toFile(), file.start(), file.length()));
                }
                done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            case Reply.Filling filling -> {
                FillReader reader = filling.reader();
                if (filling.length() >= 0) {
                    headers.set(HttpHeaderNames.CONTENT_LENGTH, filling.length());
                } else {
                    headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, reply.status(), headers);
                if (head) {
                    closeQuietly(reply);
                    ctx.write(response);
                    done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                } else {
                    ctx.write(response);
                    reader.attach(ctx);
                    done = ctx.writeAndFlush(new HttpChunkedInput(reader));
                }
            }
        }
        done.addListener((ChannelFutureListener) f -> {
            if (access.isInfoEnabled()) {
                access.info("{} {} {} {} {}ms{}", ctx.channel().remoteAddress(), requestLine, reply.status().code(),
                        headers.get(Replies.CACHE_STATUS, "-"), (System.nanoTime() - startNanos) / 1_000_000,
                        f.isSuccess() ? "" : " (ended early)");
            }
            if (!f.isSuccess()) {
                // A fill that failed mid-body, or a client that went away: the body is short, so the connection must end.
                log.debug("response to {} ended early: {}", ctx.channel().remoteAddress(), f.cause().toString());
                ctx.close();
            } else if (!keepAlive) {
                ctx.close();
            } else {
                next(ctx);
            }
        });
    }

    private void next(ChannelHandlerContext ctx) {
        busy = false;
        HttpRequest request = waiting.poll();
        if (request != null) {
            handle(ctx, request);
        }
    }

    private static Reply error(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof RegistryException registryError) {
            log.debug("answering {}", registryError.getMessage());
            return Replies.error(registryError);
        }
        log.error("request failed", cause);
        return Replies.error(new RegistryException(ErrorCode.INTERNAL, cause.toString()));
    }

    private static void closeQuietly(Reply reply) {
        if (reply instanceof Reply.Filling filling) {
            try {
                filling.reader().close();
            } catch (java.io.IOException e) {
                log.debug("closing a fill reader", e);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        waiting.clear();
        super.channelInactive(ctx);
    }
}
