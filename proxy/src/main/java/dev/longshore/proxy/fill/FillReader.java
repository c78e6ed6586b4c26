package dev.longshore.proxy.fill;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's view of a {@link BlobFill}: the bytes {@code [start, end)} of a blob, read from the growing temp file as
 * they land. Sits behind {@link ChunkedWriteHandler}, which pulls a chunk only while the client's channel is writable:
 * a slow client costs one chunk of memory, never a queue.
 *
 * <p>Until the fill has verified the digest, the last byte of the requested span is held back. So a client never
 * receives a complete body of unverified bytes: when the fill fails, the reader throws, the connection is closed short
 * of its Content-Length, and the client knows the body is incomplete.
 */
public final class FillReader implements ChunkedInput<ByteBuf> {
    private static final int CHUNK_SIZE = 64 * 1024;

    private final BlobFill fill;
    private final FileChannel file;
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
    private long position;

    private FillReader(BlobFill fill, FileChannel file, long start, long end) {
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
            } else if (waiting.compareAndSet(true, false)) {
                // One wake-up per wait, however many chunks the fill writes meanwhile.
                ctx.executor().execute(writer::resumeTransfer);
            }
        };
        wakeUp = listener;
        fill.addListener(listener);
    }

    /**
     * Opens a reader on the fill's file. Blocks on the disk: call it off the event loop.
     *
     * @param end exclusive end, or -1 for "to the end, size unknown"
     */
    public static FillReader open(BlobFill fill, long start, long end) throws IOException {
        Path path = fill.tempPath();
        FileChannel file;
        try {
            file = FileChannel.open(path, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
            // The fill committed (renamed) or failed (deleted) between join and open.
            if (fill.state() == BlobFill.State.COMMITTED) {
                file = FileChannel.open(fill.committed().path(), StandardOpenOption.READ);
            } else {
                throw new IOException("fill of " + fill.digest() + " failed before this client could read it", fill.failure());
            }
        }
        return new FillReader(fill, file, start, end);
    }

    @Override
    public boolean isEndOfInput() {
        return fill.state() == BlobFill.State.COMMITTED && position >= effectiveEnd();
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws IOException {
        long available = available();
        if (available <= 0) {
            // Announce the wait, then look again: a fill that moved on in between either shows in the second look or
            // sees the flag and wakes us (both sides are volatile), so no wake-up is lost.
            waiting.set(true);
            available = available();
            if (available <= 0) {
                return null; // ChunkedWriteHandler suspends until the listener calls resumeTransfer
            }
            waiting.set(false); // at worst a wake-up already on its way does a needless resumeTransfer
        }
        int length = (int) Math.min(CHUNK_SIZE, available);
        ByteBuf chunk = allocator.ioBuffer(length);
        boolean done = false;
        try {
            while (chunk.writerIndex() < length) {
                int n = chunk.writeBytes(file, position + chunk.writerIndex(), length - chunk.writerIndex());
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

    private long available() throws IOException {
        if (fill.state() == BlobFill.State.FAILED) {
            throw new IOException("upstream fill of " + fill.digest() + " failed", fill.failure());
        }
        return readableLimit() - position;
    }

    private long readableLimit() {
        long written = fill.written();
        if (fill.state() == BlobFill.State.COMMITTED) {
            return effectiveEnd();
        }
        if (end < 0) {
            return written; // chunked: the terminating chunk itself waits for the commit
        }
        return Math.min(written, end - 1);
    }

    private long effectiveEnd() {
        return end < 0 ? fill.written() : end;
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
        Runnable listener = wakeUp;
        if (listener != null) {
            fill.removeListener(listener);
        }
        file.close();
    }
}
