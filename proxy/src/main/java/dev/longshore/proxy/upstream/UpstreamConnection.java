package dev.longshore.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One keep-alive connection to an origin and the {@link Exchange} currently using it, if any.
 * Everything but {@link #exchangesStarted()} is confined to the channel's event loop.
 */
final class UpstreamConnection {

    private final Channel channel;
    private final Origin origin;
    private volatile int exchangesStarted;
    private long idleSinceNanos;
    private Exchange current;

    UpstreamConnection(Channel channel, Origin origin) {
        this.channel = channel;
        this.origin = origin;
    }

    Channel channel() {
        return channel;
    }

    Origin origin() {
        return origin;
    }

    /** More than zero means the connection was reused from the pool and may have gone stale meanwhile. */
    int exchangesStarted() {
        return exchangesStarted;
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    void idleSince(long nanos) {
        idleSinceNanos = nanos;
    }

    void attach(Exchange exchange) {
        exchangesStarted++;
        current = exchange;
    }

    void detach(Exchange exchange) {
        if (current == exchange) {
            current = null;
        }
    }

    /** Sits before the HTTP codec and sees raw (decrypted) bytes: any byte counts as upstream activity. */
    ChannelHandler activityHandler() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (current != null) {
                    current.bytesArrived();
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    /** Sits after the HTTP codec: hands decoded messages and failures to the current exchange. */
    ChannelHandler responseHandler() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (current != null) {
                    current.onMessage(msg);
                } else {
                    // Nobody asked: an idle connection must not talk. Drop it rather than misattribute bytes later.
                    ReferenceCountUtil.release(msg);
                    ctx.close();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (current != null) {
                    current.onClosed();
                }
                ctx.fireChannelInactive();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                if (current != null) {
                    current.onFailure(cause);
                }
                ctx.close();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
                    if (current != null) {
                        current.onFailure(handshake.cause());
                    }
                    ctx.close();
                }
                ReferenceCountUtil.release(event);
            }
        };
    }
}
