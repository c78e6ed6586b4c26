package dev.longshore.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;

/**
 * First in the pipeline, so it sees what goes to the socket: counts the bytes of every write that succeeded (headers,
 * bodies, zero-copy file regions, and of a region cut off, the part sent), for the access log and the served-bytes
 * meters. Only touches sizes, never reference counts. One instance per connection; read on its event loop.
 */
public final class ByteCounter extends ChannelOutboundHandlerAdapter {
    private long written;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof FileRegion region) {
            // A region is sent in many steps, and a client that goes away mid-blob has had what was sent so far:
            // the access log's bytes must say so rather than count the headers alone.
            ChannelPromise counted = promise.unvoid();
            counted.addListener(f -> written += f.isSuccess() ? region.count() : region.transferred());
            ctx.write(msg, counted);
            return;
        }
        long size = switch (msg) {
            case ByteBuf buf -> buf.readableBytes();
            case ByteBufHolder holder -> holder.content().readableBytes();
            default -> 0;
        };
        ChannelPromise counted = promise.unvoid();
        if (size > 0) {
            counted.addListener(f -> {
                if (f.isSuccess()) {
                    written += size;
                }
            });
        }
        ctx.write(msg, counted);
    }

    /** Bytes written to this connection so far. */
    public long written() {
        return written;
    }
}
