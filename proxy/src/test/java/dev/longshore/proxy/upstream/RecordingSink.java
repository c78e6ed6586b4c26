package dev.longshore.proxy.upstream;

import io.netty.buffer.ByteBuf;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A body sink for tests: digests what it gets, acknowledges each chunk on {@code ackExecutor} (a slow disk
 * when that is delayed), and records how far the client ever got ahead of it.
 */
final class RecordingSink implements BodySink {

    final CompletableFuture<byte[]> completed = new CompletableFuture<>(); // the SHA-256 of the body
    final CompletableFuture<Throwable> failed = new CompletableFuture<>();
    final AtomicLong bytes = new AtomicLong();
    final AtomicInteger chunks = new AtomicInteger();
    final AtomicInteger maxUnacknowledgedChunks = new AtomicInteger();
    final AtomicLong maxUnacknowledgedBytes = new AtomicLong();
    private final AtomicInteger unacknowledgedChunks = new AtomicInteger();
    private final AtomicLong unacknowledgedBytes = new AtomicLong();
    private final MessageDigest digest;
    private final Executor ackExecutor;

    RecordingSink(Executor ackExecutor) {
        this.ackExecutor = ackExecutor;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public CompletionStage<Void> onData(ByteBuf chunk) {
        int size = chunk.readableBytes();
        maxUnacknowledgedChunks.accumulateAndGet(unacknowledgedChunks.incrementAndGet(), Math::max);
        maxUnacknowledgedBytes.accumulateAndGet(unacknowledgedBytes.addAndGet(size), Math::max);
        chunks.incrementAndGet();
        bytes.addAndGet(size);
        synchronized (digest) {
            digest.update(chunk.nioBuffer());
        }
        chunk.release();
        return CompletableFuture.runAsync(() -> {
            unacknowledgedChunks.decrementAndGet();
            unacknowledgedBytes.addAndGet(-size);
        }, ackExecutor);
    }

    @Override
    public void onComplete() {
        synchronized (digest) {
            completed.complete(digest.digest());
        }
    }

    @Override
    public void onError(Throwable cause) {
        failed.complete(cause);
    }
}
