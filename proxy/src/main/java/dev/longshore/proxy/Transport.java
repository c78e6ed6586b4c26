package dev.longshore.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The socket layer under every listener and upstream connection: Linux's native epoll where Netty's library loads, else
 * the JDK's NIO. Native epoll costs less CPU per request and sends file regions with sendfile(2) straight from its
 * event loop; NIO keeps Longshore running on any other platform.
 */
public final class Transport {
    private Transport() {
    }

    /** Whether this process uses native epoll. */
    public static boolean nativeEpoll() {
        return Epoll.isAvailable();
    }

    /** What the start-up log line calls the transport in use. */
    public static String name() {
        return nativeEpoll() ? "native epoll" : "NIO";
    }

    /** An event loop group of {@code threads} (0: Netty's default, twice the cores) on the best transport here. */
    public static EventLoopGroup group(int threads, DefaultThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, handlerFactory());
    }

    public static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The client socket type that runs on {@code group}'s event loops (tests may hand in an NIO group). */
    public static Class<? extends Channel> socketChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    private static IoHandlerFactory handlerFactory() {
        return nativeEpoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    private static boolean isEpoll(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
    }
}
