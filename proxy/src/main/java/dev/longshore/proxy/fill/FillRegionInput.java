package dev.longshore.proxy.fill;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;

/**
 * A {@link FillReader} whose bytes on disk go to the socket as file regions, so that the kernel sends them from the
 * page cache (sendfile) instead of each chunk being read into a buffer and written out again. With 32 clients following
 * one fill, that copy was most of the mirror's CPU. Only for a plain connection (TLS must see the bytes) and a body of
 * known length (chunked framing needs buffers); the bytes a pass-through reader gets from the upstream still go as
 * buffers.
 *
 * <p>One region is in flight at a time, covering all the reader may send at that moment. Netty counts a region as no
 * bytes toward the channel's writability, so without this limit a slow client would queue a region for every step of
 * the fill. When the region has been written (or dropped), its release resumes the transfer.
 */
public final class FillRegionInput implements ChunkedInput<Object> {
    private final FillReader reader;
    private ChunkedWriteHandler writer;
    private ChannelHandlerContext ctx;
    /** Touched only on the channel's event loop: by readChunk and by the region's release. */
    private boolean regionInFlight;

    public FillRegionInput(FillReader reader) {
        this.reader = reader;
    }

    /** Starts following the fill on behalf of the client behind {@code ctx}, whose pipeline has a ChunkedWriteHandler. */
    public void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.writer = ctx.pipeline().get(ChunkedWriteHandler.class);
        reader.attach(ctx);
    }

    @Override
    public Object readChunk(ByteBufAllocator allocator) throws Exception {
        if (regionInFlight) {
            return null;
        }
        if (reader.nextFromUpstream()) {
            return reader.readChunk(allocator);
        }
        Object region = reader.readRegion(this::regionReleased);
        if (region != null) {
            regionInFlight = true;
        }
        return region;
    }

    private void regionReleased() {
        regionInFlight = false;
        // Released inside the channel's flush: resume in a task of its own rather than re-enter the flush.
        ctx.executor().execute(writer::resumeTransfer);
    }

    @Override
    public Object readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public boolean isEndOfInput() throws Exception {
        return reader.isEndOfInput();
    }

    @Override
    public void close() throws Exception {
        reader.close();
    }

    @Override
    public long length() {
        return reader.length();
    }

    @Override
    public long progress() {
        return reader.progress();
    }
}
