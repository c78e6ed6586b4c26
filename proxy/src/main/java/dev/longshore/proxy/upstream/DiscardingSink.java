package dev.longshore.proxy.upstream;

import io.netty.buffer.ByteBuf;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads and drops a body we do not want (a 401 before retrying with a token, a redirect, an error page of a
 * stream), so that the connection can go back to the pool. Past a small limit it gives up, which closes the
 * connection: a fresh connection is cheaper than downloading a large unwanted body.
 */
final class DiscardingSink implements BodySink {

    static final long LIMIT = 1024 * 1024;

    private long discarded;

    @Override
    public CompletionStage<Void> onData(ByteBuf chunk) {
        discarded += chunk.readableBytes();
        chunk.release();
        if (discarded > LIMIT) {
            return CompletableFuture.failedFuture(new UpstreamException("unwanted body larger than " + LIMIT + " bytes"));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onComplete() {
    }

    @Override
    public void onError(Throwable cause) {
    }
}
