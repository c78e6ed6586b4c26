package dev.longshore.proxy.upstream;

import io.netty.buffer.ByteBuf;

import java.util.concurrent.CompletionStage;

/**
 * Where a streamed upstream body goes. The client calls these methods one at a time, on the connection's
 * event loop, so a sink needs no locking of its own; it must not block in them.
 */
public interface BodySink {

    /**
     * The next piece of the body. The sink owns {@code chunk} and must release it. The client reads more from
     * the socket only after the returned stage completes; if it completes exceptionally the client closes the
     * connection and calls no other method of this sink.
     */
    CompletionStage<Void> onData(ByteBuf chunk);

    /** The whole body arrived (Content-Length reached or the last chunk of a chunked body). */
    void onComplete();

    /** The body is incomplete: connection reset, read timeout, premature close. */
    void onError(Throwable cause);
}
