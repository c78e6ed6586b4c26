package dev.longshore.proxy.http;

import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.fill.FillReader;
import dev.longshore.proxy.fill.FillRegionInput;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
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
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The last handler of the server pipeline ({@code HttpServerCodec → ChunkedWriteHandler → RegistryHandler}): takes
 * each request to the {@link RegistryService}, writes the {@link Reply} it decides on, and answers by itself only for
 * failures: a malformed request (400), a write method (405 UNSUPPORTED), and anything thrown (the spec's JSON error).
 *
 * <p>One request per connection is in progress at a time; requests a client pipelines wait in a short queue, so
 * responses go out in order. Request bodies are never read into memory: a mirror accepts none.
 *
 * <p>A connection must deliver a complete request head within {@link #REQUEST_WAIT} of opening or of its last
 * response, or it is closed: idle keep-alive connections and clients that drip header lines would otherwise hold a
 * file descriptor each for as long as they like. A response under way is never cut by this (a slow reader is paced,
 * not timed out).
 *
 * <p>Each finished response is reported once to the {@link RequestObserver} (metrics, access log) with what its
 * {@link RequestContext} learned; the {@link InFlightRequests} let a shutdown wait for responses under way.
 */
public final class RegistryHandler extends SimpleChannelInboundHandler<HttpObject> {
    private static final Logger log = LoggerFactory.getLogger(RegistryHandler.class);
    private static final int MAX_PIPELINED = 16;

    /**
     * Fired by a shutdown whose drain time ran out: a request still waiting for its reply (an upstream that has not
     * answered) gets a 503 at once, rather than a connection closed with no answer at all.
     */
    public static final Object DRAIN_DEADLINE = new Object() {
        @Override
        public String toString() {
            return "DRAIN_DEADLINE";
        }
    };

    private final RegistryService service;
    private final RequestObserver observer;
    private final InFlightRequests inFlight;
    private final Queue<HttpRequest> waiting = new ArrayDeque<>();
    private boolean busy;
    /** The request whose reply is still being decided: what a shutdown answers for it if it is still waiting then. */
    private Pending pending;
    private final Duration requestWait;
    private ScheduledFuture<?> requestTimer;

    private record Pending(Arrival arrival, boolean head) {
    }

    /** How long a connection may wait for its next complete request head; about nginx's keepalive_timeout. */
    public static final Duration REQUEST_WAIT = Duration.ofSeconds(60);

    public RegistryHandler(RegistryService service) {
        this(service, RequestObserver.NONE, new InFlightRequests());
    }

    public RegistryHandler(RegistryService service, RequestObserver observer, InFlightRequests inFlight) {
        this(service, observer, inFlight, REQUEST_WAIT);
    }

    RegistryHandler(RegistryService service, RequestObserver observer, InFlightRequests inFlight, Duration requestWait) {
        this.service = service;
        this.observer = observer;
        this.inFlight = inFlight;
        this.requestWait = requestWait;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        awaitRequest(ctx);
        super.channelActive(ctx);
    }

    /** Starts the clock for the next request head: the connection is closed if none completes in time. */
    private void awaitRequest(ChannelHandlerContext ctx) {
        cancelRequestTimer();
        requestTimer = ctx.executor().schedule(() -> {
            if (!busy) {
                log.debug("closing {}: no complete request within {}", ctx.channel().remoteAddress(), requestWait);
                ctx.close();
            }
        }, requestWait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelRequestTimer() {
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    /** What the observer is told about a request besides its reply: kept from its arrival to its last byte. */
    private record Arrival(HttpRequest request, RequestContext context, Instant time, long startNanos, long bytesBefore) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (!(msg instanceof HttpRequest request)) {
            return; // request body content: a mirror has no use for it, and SimpleChannelInboundHandler releases it
        }
        cancelRequestTimer();
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
        inFlight.started();
        RequestContext context = new RequestContext();
        Arrival arrival = new Arrival(request, context, Instant.now(), System.nanoTime(), bytesWritten(ctx));
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !inFlight.draining();
        boolean head = request.method().equals(HttpMethod.HEAD);
        CompletableFuture<Reply> reply;
        if (request.decoderResult().isFailure()) {
            reply = CompletableFuture.completedFuture(error(malformed(request.decoderResult().cause())));
            keepAlive = false;
        } else if (request.protocolVersion().majorVersion() != 1) {
            reply = CompletableFuture.completedFuture(error(new RegistryException(ErrorCode.HTTP_VERSION_UNSUPPORTED,
                    request.protocolVersion() + " is not spoken here; use HTTP/1.1")));
            keepAlive = false;
        } else {
            try {
                reply = service.handle(request, context);
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
        }
        // A request with a body we will not read cannot be followed by another on this connection.
        if (HttpUtil.isContentLengthSet(request) && HttpUtil.getContentLength(request, 0L) > 0 || HttpUtil.isTransferEncodingChunked(request)) {
            keepAlive = false;
        }
        boolean keep = keepAlive;
        pending = new Pending(arrival, head);
        reply.handle((r, e) -> e == null ? r : error(e))
                .thenAccept(r -> ctx.executor().execute(() -> write(ctx, r, head, keep, arrival)));
    }

    private void write(ChannelHandlerContext ctx, Reply reply, boolean head, boolean keepAlive, Arrival arrival) {
        if (pending == null || pending.arrival() != arrival) {
            closeQuietly(reply); // answered already, by the shutdown's 503
            return;
        }
        pending = null;
        respond(ctx, reply, head, keepAlive, arrival);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == DRAIN_DEADLINE && pending != null) {
            Pending waiting = pending;
            pending = null;
            respond(ctx, Replies.error(new RegistryException(ErrorCode.SHUTTING_DOWN,
                    "Longshore is shutting down and this request was still waiting for its upstream; try again")),
                    waiting.head(), false, waiting.arrival());
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    private void respond(ChannelHandlerContext ctx, Reply reply, boolean head, boolean keepAlive, Arrival arrival) {
        if (!ctx.channel().isActive()) {
            closeQuietly(reply);
            finished(ctx, arrival, reply, false);
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
                } else if (filling.length() >= 0 && ctx.pipeline().get(SslHandler.class) == null) {
                    ctx.write(response);
                    FillRegionInput regions = new FillRegionInput(reader);
                    regions.attach(ctx);
                    // The end of the body goes only after every byte of it: a reader that fails must leave the
                    // body short of its Content-Length (ChunkedWriteHandler would otherwise write the next message).
                    ChannelPromise finished = ctx.newPromise();
                    ctx.writeAndFlush(regions).addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, finished);
                        } else {
                            finished.setFailure(f.cause());
                        }
                    });
                    done = finished;
                } else {
                    ctx.write(response);
                    reader.attach(ctx);
                    done = ctx.writeAndFlush(new HttpChunkedInput(reader));
                }
            }
        }
        done.addListener((ChannelFutureListener) f -> {
            finished(ctx, arrival, reply, f.isSuccess());
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

    /** Reports the response to the observer (which must not break the connection) and counts it out of the in-flight ones. */
    private void finished(ChannelHandlerContext ctx, Arrival arrival, Reply reply, boolean completed) {
        try {
            String cacheStatus = reply.headers().get(Replies.CACHE_STATUS);
            String prefix = Replies.CACHE_NAME + "; ";
            if (cacheStatus != null && cacheStatus.startsWith(prefix)) {
                cacheStatus = cacheStatus.substring(prefix.length());
            }
            long bytes = bytesWritten(ctx);
            observer.finished(new RequestObserver.FinishedRequest(arrival.time(), clientAddress(ctx.channel().remoteAddress()),
                    arrival.context().user(), arrival.request().method().name(), arrival.request().uri(), arrival.context().route(),
                    arrival.context().upstream(), reply.status().code(), cacheStatus,
                    bytes < 0 ? -1 : bytes - arrival.bytesBefore(), System.nanoTime() - arrival.startNanos(), completed));
        } catch (RuntimeException e) {
            log.warn("request observer failed", e);
        } finally {
            inFlight.finished();
        }
    }

    /** Bytes written to the connection so far, from its {@link ByteCounter}; -1 without one. */
    private static long bytesWritten(ChannelHandlerContext ctx) {
        ByteCounter counter = ctx.pipeline().get(ByteCounter.class);
        return counter == null ? -1 : counter.written();
    }

    private static String clientAddress(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return address == null ? null : address.toString();
    }

    private void next(ChannelHandlerContext ctx) {
        busy = false;
        HttpRequest request = waiting.poll();
        if (request != null) {
            handle(ctx, request);
        } else {
            awaitRequest(ctx);
        }
    }

    /** A request the HTTP decoder could not read: the status says what was wrong with it where HTTP has one. */
    private static RegistryException malformed(Throwable cause) {
        return switch (cause) {
            case TooLongHttpLineException e -> new RegistryException(ErrorCode.URI_TOO_LONG, e.getMessage());
            case TooLongHttpHeaderException e -> new RegistryException(ErrorCode.HEADERS_TOO_LARGE, e.getMessage());
            default -> new RegistryException(ErrorCode.REQUEST_INVALID, "malformed HTTP request: " + cause.getMessage());
        };
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
        cancelRequestTimer();
        waiting.clear();
        super.channelInactive(ctx);
    }
}
