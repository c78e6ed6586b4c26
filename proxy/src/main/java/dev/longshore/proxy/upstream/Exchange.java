package dev.longshore.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.Function;

/**
 * One request and its response on one connection. All state is confined to the connection's event loop.
 *
 * <p>Life: write the request and read; when the head arrives, ask {@code sinkForHead} where the body goes and
 * complete {@link #head()}; then hand the body to the sink one chunk at a time, reading from the socket again
 * only when the sink has acknowledged everything we have. Once the last chunk has been decoded the connection
 * is given back to the pool (or closed), even if the sink is still busy with queued chunks.
 *
 * <p>Failures before the head fail {@link #head()}; after it they go to the sink's {@code onError}, never
 * while one of its {@code onData} stages is outstanding, so sink calls never overlap.
 */
final class Exchange {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private enum State { AWAITING_HEAD, BODY, DONE }

    private final UpstreamConnection connection;
    private final ConnectionPools pools;
    private final EventLoop loop;
    private final HttpRequest request;
    private final Function<UpstreamResponseHead, BodySink> sinkForHead;
    private final long readTimeoutNanos;
    private final LongAccumulator queuedHighWater;
    private final CompletableFuture<UpstreamResponseHead> head = new CompletableFuture<>();

    private State state = State.AWAITING_HEAD;
    private boolean anyByteReceived;
    private boolean skippingInformational;
    private boolean keepAlive;
    /** The last chunk was decoded: the connection is no longer ours. */
    private boolean bodyReceived;
    private boolean awaitingAck;
    private Throwable errorAfterAck;
    private BodySink sink;
    private final ArrayDeque<HttpContent> queue = new ArrayDeque<>();
    private long queuedBytes;
    private long lastActivityNanos;
    private ScheduledFuture<?> timer;

    Exchange(UpstreamConnection connection, ConnectionPools pools, HttpRequest request,
             Function<UpstreamResponseHead, BodySink> sinkForHead, Duration readTimeout, LongAccumulator queuedHighWater) {
        this.connection = connection;
        this.pools = pools;
        this.loop = connection.channel().eventLoop();
        this.request = request;
        this.sinkForHead = sinkForHead;
        this.readTimeoutNanos = readTimeout.toNanos();
        this.queuedHighWater = queuedHighWater;
    }

    /** Completes when the response head arrived and its sink was chosen; fails for transport problems before that. */
    CompletableFuture<UpstreamResponseHead> head() {
        return head;
    }

    /** Whether the upstream sent anything at all: if not, a failure on a reused connection may be retried. */
    boolean anyByteReceived() {
        return anyByteReceived;
    }

    void start() {
        if (!loop.inEventLoop()) {
            loop.execute(this::start);
            return;
        }
        connection.attach(this);
        lastActivityNanos = System.nanoTime();
        scheduleTimer(readTimeoutNanos);
        connection.channel().write(request);
        connection.channel().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> {
            if (!f.isSuccess()) {
                fail(new UpstreamException("cannot send request to " + connection.origin() + ": " + f.cause(), f.cause()));
            }
        });
        connection.channel().read();
    }

    void bytesArrived() {
        anyByteReceived = true;
        lastActivityNanos = System.nanoTime();
    }

    void onMessage(Object msg) {
        if (state == State.DONE || bodyReceived) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            fail(new UpstreamException("malformed response from " + connection.origin(), decoded.decoderResult().cause()));
            return;
        }
        if (msg instanceof HttpResponse response && !onResponse(response)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            onContent(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
            fail(new UpstreamException("unexpected message from the HTTP codec: " + msg.getClass().getName()));
            return;
        }
        // The codec asks for more bytes only while it has produced nothing; after a head (or a 1xx) it is up to us.
        if (state == State.AWAITING_HEAD) {
            connection.channel().read();
        } else {
            drain();
        }
    }

    /** Returns false when the exchange failed and the message must not be processed further. */
    private boolean onResponse(HttpResponse response) {
        if (state != State.AWAITING_HEAD) {
            fail(new UpstreamException("second response head from " + connection.origin()));
            return false;
        }
        int status = response.status().code();
        if (status >= 100 && status < 200) {
            skippingInformational = true; // 100 Continue and friends: the real head follows
            return true;
        }
        keepAlive = HttpUtil.isKeepAlive(response);
        UpstreamResponseHead responseHead = new UpstreamResponseHead(status, response.headers());
        BodySink chosen;
        try {
            chosen = sinkForHead.apply(responseHead);
        } catch (Throwable t) {
            fail(t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
            return false;
        }
        sink = chosen != null ? chosen : new DiscardingSink();
        state = State.BODY;
        head.complete(responseHead);
        return state == State.BODY;
    }

    private void onContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (skippingInformational) {
            content.release();
            skippingInformational = !last;
            return;
        }
        if (state != State.BODY) {
            content.release();
            fail(new UpstreamException("body without a response head from " + connection.origin()));
            return;
        }
        queue.add(content);
        queuedBytes += content.content().readableBytes();
        queuedHighWater.accumulate(queuedBytes);
        if (last) {
            bodyReceived = true;
            cancelTimer();
            connection.detach(this);
            pools.release(connection, keepAlive);
        }
    }

    /** Hands queued chunks to the sink one at a time; reads more from the socket when all are acknowledged. */
    private void drain() {
        while (state == State.BODY && !awaitingAck) {
            HttpContent content = queue.poll();
            if (content == null) {
                if (!bodyReceived) {
                    lastActivityNanos = System.nanoTime(); // the read timeout counts from when we ask, not from the last chunk
                    connection.channel().read();
                }
                return;
            }
            ByteBuf data = content.content();
            queuedBytes -= data.readableBytes();
            boolean last = content instanceof LastHttpContent;
            if (!data.isReadable()) {
                content.release();
                if (last) {
                    complete();
                }
                continue;
            }
            awaitingAck = true;
            CompletionStage<Void> ack;
            try {
                ack = sink.onData(data); // the sink owns the chunk now
            } catch (Throwable t) {
                sinkFailed(t);
                return;
            }
            ack.whenComplete((ignored, error) -> loop.execute(() -> acked(error, last)));
        }
    }

    private void acked(Throwable error, boolean last) {
        awaitingAck = false;
        if (error != null) {
            sinkFailed(error);
        } else if (errorAfterAck != null) {
            Throwable cause = errorAfterAck;
            errorAfterAck = null;
            sink.onError(cause);
        } else if (state == State.BODY) {
            if (last) {
                complete();
            } else {
                drain();
            }
        }
    }

    private void complete() {
        state = State.DONE;
        try {
            sink.onComplete();
        } catch (Throwable t) {
            log.warn("body sink failed in onComplete", t);
        }
    }

    /** The sink gave up (a disk error, a body too large): stop reading and drop the connection. */
    private void sinkFailed(Throwable cause) {
        log.debug("body sink for {} failed: {}", connection.origin(), cause.toString());
        state = State.DONE;
        releaseQueue();
        dropConnection();
    }

    void onClosed() {
        fail(new UpstreamException("connection to " + connection.origin() + " closed "
                + (state == State.AWAITING_HEAD ? "before the response head" : "before the body was complete")));
    }

    void onFailure(Throwable cause) {
        fail(new UpstreamException("connection to " + connection.origin() + " failed: " + cause, cause));
    }

    /** A transport failure: fails the head, or reports to the sink once it has no chunk outstanding. */
    private void fail(Throwable cause) {
        switch (state) {
            case AWAITING_HEAD -> {
                state = State.DONE;
                dropConnection();
                head.completeExceptionally(cause);
            }
            case BODY -> {
                state = State.DONE;
                releaseQueue();
                dropConnection();
                if (awaitingAck) {
                    errorAfterAck = cause;
                } else {
                    sink.onError(cause);
                }
            }
            case DONE -> log.trace("ignoring failure after the exchange ended: {}", cause.toString());
        }
    }

    private void dropConnection() {
        cancelTimer();
        if (!bodyReceived) {
            connection.detach(this);
            connection.channel().close();
        }
    }

    private void releaseQueue() {
        HttpContent content;
        while ((content = queue.poll()) != null) {
            content.release();
        }
        queuedBytes = 0;
    }

    private boolean waitingForUpstream() {
        return state == State.AWAITING_HEAD || (state == State.BODY && !bodyReceived && !awaitingAck && queue.isEmpty());
    }

    private void scheduleTimer(long delayNanos) {
        timer = loop.schedule(this::checkTimeout, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Like Netty's IdleStateHandler, but only while we wait for the upstream, not while the sink is busy. */
    private void checkTimeout() {
        timer = null;
        if (state == State.DONE || bodyReceived) {
            return;
        }
        if (!waitingForUpstream()) {
            scheduleTimer(readTimeoutNanos);
            return;
        }
        long idle = System.nanoTime() - lastActivityNanos;
        if (idle < readTimeoutNanos) {
            scheduleTimer(readTimeoutNanos - idle);
            return;
        }
        String what = state == State.AWAITING_HEAD ? "no response head" : "no body bytes";
        fail(new UpstreamTimeoutException(what + " from " + connection.origin() + " for "
                + Duration.ofNanos(readTimeoutNanos).toMillis() + " ms (" + request.method() + " " + pathOnly() + ")"));
    }

    /** The request path without its query: signed redirect URLs carry credentials in the query. */
    private String pathOnly() {
        String uri = request.uri();
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
