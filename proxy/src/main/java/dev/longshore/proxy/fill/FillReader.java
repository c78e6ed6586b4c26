package dev.longshore.proxy.fill;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FileRegion;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's view of a {@link BlobFill}: the bytes {@code [start, end)} of a blob, read from the growing temp file as
 * they land. Sits behind {@link ChunkedWriteHandler}, which pulls a chunk only while the client's channel is writable:
 * a slow client costs one chunk of memory, never a queue.
 *
 * <p>Until the fill has verified the digest, the last byte of the requested span is held back. So a client never
 * receives a complete body of unverified bytes: when the fill fails, the reader throws, the connection is closed short
 * of its Content-Length, and the client knows the body is incomplete.
 *
 * <p>When the fill could not write to the disk ({@link BlobFill.State#PASS_THROUGH}), the reader sends what the temp
 * file has (through its open handle), then the rest from its own {@link PassThrough} upstream stream. A whole-blob
 * reader still verifies the digest before the last byte; a range reader gets the upstream's bytes as they are.
 */
public final class FillReader implements ChunkedInput<ByteBuf> {
    private static final int CHUNK_SIZE = 64 * 1024;
    private static final long WAKE_BYTES = 1024 * 1024;
    private static final long WAKE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final BlobFill fill;
    /** Null for a reader that joined after the temp file was gone (pass-through): it reads all from the upstream. */
    private final FillFile file;
    private PassThrough relay;
    private final long start;
    /** Exclusive end of the span; -1 while the blob's size is unknown (then the body is sent chunked). */
    private final long end;
    private volatile Runnable wakeUp;
    /**
     * Set while the reader has caught up with the fill and waits for bytes. Only then does the fill wake it: a reader
     * that is behind reads on by itself, and one whose client is not writable is resumed by ChunkedWriteHandler when
     * the channel drains. So a slow client costs the fill no wake-ups (each one is a cross-thread task and a selector
     * wake-up), however many chunks it writes meanwhile.
     */
    private final AtomicBoolean waiting = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Where the reader was, and when, as it began its current wait: for {@link #worthWaking}. */
    private volatile long waitFrom;
    private volatile long waitSinceNanos;
    private long position;

    private FillReader(BlobFill fill, FillFile file, long start, long end) {
        this.fill = fill;
        this.file = file;
        this.start = start;
        this.end = end;
        this.position = start;
    }

    /** Starts following the fill on behalf of the client behind {@code ctx}, whose pipeline has a ChunkedWriteHandler. */
    public void attach(ChannelHandlerContext ctx) {
        ChunkedWriteHandler writer = ctx.pipeline().get(ChunkedWriteHandler.class);
        Runnable listener = () -> {
            if (fill.state() == BlobFill.State.FAILED) {
                // Cut the client off now, even one that is not reading: its body can never complete, and our open
                // handle would keep the deleted temp file's disk space for as long as that client dawdles.
                ctx.executor().execute(() -> ctx.channel().close());
            } else if (waiting.get() && worthWaking() && waiting.compareAndSet(true, false)) {
                // One wake-up per wait, however many chunks the fill writes meanwhile.
                ctx.executor().execute(writer::resumeTransfer);
            }
        };
        wakeUp = listener;
        fill.addListener(listener);
    }

    /**
     * Whether a waiting reader has enough to send to be worth a wake-up: each one is a task handed to the client's
     * event loop and, as that loop is idle, a system call to wake it. Per chunk of the upstream's (often 16 KiB) that
     * was a fifth of a cold fill's CPU. So the fill wakes a reader once a batch of bytes has landed, or a little while
     * after it began to wait (a slow upstream), and at once on any change of state (verified, committed, failed) and
     * for its first bytes: those are its client's time to first byte, which waiting for a batch delayed by 3-9 ms.
     */
    private boolean worthWaking() {
        return fill.state() != BlobFill.State.STREAMING || fill.digestVerified() || waitFrom == start
                || fill.written() - waitFrom >= WAKE_BYTES || System.nanoTime() - waitSinceNanos >= WAKE_NANOS;
    }

    /**
     * A reader of {@code [start, end)} of the fill; it releases {@code file} when closed.
     *
     * @param file from {@link BlobFill#fileForReader}; null when the temp file was gone (pass-through: all comes from
     *             the upstream)
     * @param end  exclusive end, or -1 for "to the end, size unknown"
     */
    public static FillReader over(BlobFill fill, FillFile file, long start, long end) {
        return new FillReader(fill, file, start, end);
    }

    @Override
    public boolean isEndOfInput() {
        return switch (fill.state()) {
            case COMMITTED -> position >= effectiveEnd();
            case STREAMING -> fill.digestVerified() && position >= effectiveEnd();
            case PASS_THROUGH -> passThroughEnded();
            default -> false;
        };
    }

    private boolean passThroughEnded() {
        if (end >= 0) {
            return position >= end; // the last byte is only ever sent verified (or for a range, as the upstream had it)
        }
        BlobFill.Detached where = fill.detached();
        if (file != null && where.bodyComplete()) {
            return position >= where.written() && where.verified();
        }
        return relay != null && relay.complete() && Boolean.TRUE.equals(relay.verified());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws IOException {
        if (nextFromUpstream()) {
            return fromUpstream();
        }
        long available = awaitReadable();
        if (available <= 0) {
            return null; // ChunkedWriteHandler suspends until the listener calls resumeTransfer
        }
        int length = (int) Math.min(CHUNK_SIZE, available);
        ByteBuf chunk = allocator.ioBuffer(length);
        boolean done = false;
        try {
            while (chunk.writerIndex() < length) {
                int n = chunk.writeBytes(file.channel(), position + chunk.writerIndex(), length - chunk.writerIndex());
                if (n < 0) {
                    throw new IOException("temp file of " + fill.digest() + " is shorter than the fill reported");
                }
            }
            position += length;
            done = true;
            return chunk;
        } finally {
            if (!done) {
                chunk.release();
            }
        }
    }

    /** Whether the next bytes come from this reader's own upstream stream rather than the file (pass-through). */
    boolean nextFromUpstream() {
        return fill.state() == BlobFill.State.PASS_THROUGH && (file == null || position >= fill.written());
    }

    /**
     * The bytes of the file this reader may send now; 0 when it has caught up and must wait for the fill, which then
     * wakes it.
     */
    private long awaitReadable() throws IOException {
        long available = available();
        if (available > 0) {
            return available;
        }
        // Announce the wait, then look again: a fill that moved on in between either shows in the second look or
        // sees the flag and wakes us (both sides are volatile), so no wake-up is lost.
        waitFrom = position;
        waitSinceNanos = System.nanoTime();
        waiting.set(true);
        available = available();
        if (available <= 0) {
            return 0;
        }
        waiting.set(false); // at worst a wake-up already on its way does a needless resumeTransfer
        return available;
    }

    /**
     * Everything this reader may send from the file now, as one region of it; null when it must wait for the fill.
     * The region shares the reader's file handle (it survives the commit's rename) and runs {@code onReleased} once
     * it has been written or dropped.
     */
    FileRegion readRegion(Runnable onReleased) throws IOException {
        long available = awaitReadable();
        if (available <= 0) {
            return null;
        }
        FileRegion region = new SharedFileRegion(file.channel(), position, available, onReleased);
        position += available;
        return region;
    }

    private long available() throws IOException {
        if (fill.state() == BlobFill.State.FAILED) {
            throw new IOException("upstream fill of " + fill.digest() + " failed", fill.failure());
        }
        return readableLimit() - position;
    }

    private long readableLimit() throws IOException {
        long written = fill.written();
        if (fill.state() == BlobFill.State.COMMITTED
                || (fill.state() == BlobFill.State.STREAMING && fill.digestVerified())) {
            return effectiveEnd();
        }
        if (fill.state() == BlobFill.State.PASS_THROUGH) {
            if (end >= 0 && written >= end) {
                // The file has the whole span; a whole-blob reader may finish only if the full body verified.
                if (wholeBlob() && !fill.detached().verified()) {
                    throw new IOException("blob " + fill.digest() + " does not match its digest");
                }
                return end;
            }
            return written; // the rest comes from the upstream, which holds back the last byte itself
        }
        if (end < 0) {
            return written; // chunked: the terminating chunk itself waits for the commit
        }
        return Math.min(written, end - 1);
    }

    private long effectiveEnd() {
        return end < 0 ? fill.written() : end;
    }

    /** Whether this reader sends the whole blob, so that it can and must check the digest. */
    private boolean wholeBlob() {
        if (start != 0) {
            return false;
        }
        BlobFill.Head head = fill.head().getNow(null);
        return end < 0 || (head != null && head.size().isPresent() && end == head.size().getAsLong());
    }

    /** The bytes after what the temp file had, from this reader's own upstream stream. */
    private ByteBuf fromUpstream() throws IOException {
        if (relay == null) {
            BlobFill.Detached where = fill.detached();
            if (file != null && where.bodyComplete()) {
                // Every byte was in the file (the commit failed): nothing to fetch; only a bad body is left to report.
                if (end < 0 && !where.verified()) {
                    throw new IOException("blob " + fill.digest() + " does not match its digest");
                }
                return null;
            }
            MessageDigest hash = null;
            if (wholeBlob()) {
                hash = file != null ? clone(where.hash()) : fill.digest().newHasher();
            }
            Runnable wake = wakeUp == null ? () -> { } : wakeUp;
            relay = PassThrough.start(fill.upstream(), fill.name(), fill.digest(), position, end, hash, wake);
        }
        ByteBuf chunk = relay.peek();
        if (chunk == null) {
            if (relay.complete()) {
                if (Boolean.FALSE.equals(relay.verified())) {
                    throw new IOException("blob " + fill.digest() + " from the upstream does not match its digest");
                }
                return null;
            }
            waiting.set(true);
            chunk = relay.peek();
            if (chunk == null) {
                return null; // the relay wakes us when a chunk, the end or an error arrives
            }
            waiting.set(false);
        }
        int length = chunk.readableBytes();
        if (end >= 0 && position + length >= end) {
            Boolean verified = relay.verified();
            if (Boolean.FALSE.equals(verified)) {
                throw new IOException("blob " + fill.digest() + " from the upstream does not match its digest");
            }
            if (verified == null) {
                // Hold back the last byte until the whole body has hashed to the digest.
                length -= 1;
                if (length == 0) {
                    waiting.set(true);
                    if (relay.verified() == null) {
                        return null;
                    }
                    waiting.set(false);
                    return fromUpstream();
                }
            }
        }
        ByteBuf out = chunk.readRetainedSlice(length);
        position += length;
        if (!chunk.isReadable()) {
            relay.consumed(chunk);
        }
        return out;
    }

    private static MessageDigest clone(MessageDigest hash) throws IOException {
        try {
            return (MessageDigest) hash.clone();
        } catch (CloneNotSupportedException e) {
            throw new IOException("cannot continue the hash", e);
        }
    }

    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws IOException {
        return readChunk(ctx.alloc());
    }

    @Override
    public long length() {
        return end < 0 ? -1 : end - start;
    }

    @Override
    public long progress() {
        return position - start;
    }

    @Override
    public void close() throws IOException {
        // Once: a second release would take the shared file from under the fill's other readers.
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Runnable listener = wakeUp;
        if (listener != null) {
            fill.removeListener(listener);
        }
        if (relay != null) {
            relay.close();
        }
        if (file != null) {
            file.release();
        }
    }
}
