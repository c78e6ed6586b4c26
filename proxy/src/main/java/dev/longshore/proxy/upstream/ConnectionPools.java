package dev.longshore.proxy.upstream;

import dev.longshore.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections per {@link Origin}: the upstream itself and whatever hosts it redirects to
 * (blob storage, CDNs). A small pool of our own rather than Netty's ChannelPool because we need exactly
 * three things it makes awkward: a "was this connection reused" answer for the stale-connection retry,
 * a bound on how many origins keep idle connections, and closing a connection released after close().
 *
 * <p>Idle connections keep a read pending, so a server closing one is noticed and it leaves the pool.
 */
final class ConnectionPools implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPools.class);

    /** Enough for parallel blob pulls to one host without hoarding sockets. */
    static final int MAX_IDLE_PER_ORIGIN = 8;
    /** Redirect targets are chosen by the upstream; bound how many of them we keep connections to. */
    static final int MAX_IDLE_ORIGINS = 32;
    /** Below the usual server keep-alive timeouts (nginx 75 s, many CDNs 60 s), so we rarely race a server close. */
    static final Duration MAX_IDLE_TIME = Duration.ofSeconds(50);

    private final EventLoopGroup group;
    private final SslContext sslContext;
    private final Duration connectTimeout;
    /** DNS lookups block; they must never run on an event loop. */
    private final ExecutorService resolver = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("longshore-upstream-dns-", 0).factory());
    private final ChannelGroup allChannels = new DefaultChannelGroup("upstream", GlobalEventExecutor.INSTANCE);

    private final Map<Origin, ArrayDeque<UpstreamConnection>> idle = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    ConnectionPools(EventLoopGroup group, SslContext sslContext, Duration connectTimeout) {
        this.group = group;
        this.sslContext = sslContext;
        this.connectTimeout = connectTimeout;
    }

    /** An idle pooled connection to the origin, or a new one; {@code fresh} skips the pool. */
    CompletableFuture<UpstreamConnection> acquire(Origin origin, boolean fresh) {
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new UpstreamException("upstream client is closed"));
            }
            if (!fresh) {
                UpstreamConnection pooled = pollIdle(origin);
                if (pooled != null) {
                    return CompletableFuture.completedFuture(pooled);
                }
            }
        }
        return connect(origin);
    }

    /**
     * Gives a connection back after its response was fully read. Only a keep-alive, still open connection
     * is kept, and only while its origin has room; anything else is closed.
     */
    void release(UpstreamConnection connection, boolean keepAlive) {
        Channel channel = connection.channel();
        boolean pooled = false;
        if (keepAlive && channel.isActive()) {
            synchronized (this) {
                ArrayDeque<UpstreamConnection> deque = idle.get(connection.origin());
                if (!closed && (deque != null || idle.size() < MAX_IDLE_ORIGINS)
                        && (deque == null || deque.size() < MAX_IDLE_PER_ORIGIN)) {
                    idle.computeIfAbsent(connection.origin(), o -> new ArrayDeque<>()).push(connection);
                    connection.idleSince(System.nanoTime());
                    pooled = true;
                }
            }
        }
        if (!pooled) {
            channel.close();
            return;
        }
        // Keep a read pending so that a server-side close (or stray bytes) is seen while the connection is idle.
        channel.read();
        long idleSince = connection.idleSinceNanos();
        channel.eventLoop().schedule(() -> expire(connection, idleSince), MAX_IDLE_TIME.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void expire(UpstreamConnection connection, long idleSince) {
        boolean removed;
        synchronized (this) {
            removed = connection.idleSinceNanos() == idleSince && remove(connection);
        }
        if (removed) {
            connection.channel().close();
        }
    }

    private UpstreamConnection pollIdle(Origin origin) {
        ArrayDeque<UpstreamConnection> deque = idle.get(origin);
        while (deque != null && !deque.isEmpty()) {
            UpstreamConnection connection = deque.pop(); // most recently used first: the least likely to be stale
            if (deque.isEmpty()) {
                idle.remove(origin);
            }
            if (connection.channel().isActive()) {
                return connection;
            }
        }
        return null;
    }

    private boolean remove(UpstreamConnection connection) {
        ArrayDeque<UpstreamConnection> deque = idle.get(connection.origin());
        if (deque == null || !deque.remove(connection)) {
            return false;
        }
        if (deque.isEmpty()) {
            idle.remove(connection.origin());
        }
        return true;
    }

    /** How many idle connections are pooled, for tests. */
    synchronized int idleCount() {
        return idle.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    private CompletableFuture<UpstreamConnection> connect(Origin origin) {
        return CompletableFuture.supplyAsync(() -> resolve(origin), resolver).thenCompose(address -> {
            CompletableFuture<UpstreamConnection> result = new CompletableFuture<>();
            UpstreamConnection[] created = new UpstreamConnection[1];
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(Transport.socketChannel(group))
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                    .option(ChannelOption.TCP_NODELAY, true)
                    // Backpressure: we read only when the consumer of the previous bytes is done with them.
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            UpstreamConnection connection = new UpstreamConnection(ch, origin);
                            created[0] = connection;
                            if (origin.secure()) {
                                // Peer host and port give SNI and, with the context's HTTPS endpoint identification,
                                // host name verification.
                                SslHandler ssl = sslContext.newHandler(ch.alloc(), origin.bareHost(), origin.port());
                                ssl.setHandshakeTimeoutMillis(connectTimeout.toMillis());
                                ch.pipeline().addLast("ssl", ssl);
                            }
                            ch.pipeline().addLast("activity", connection.activityHandler());
                            ch.pipeline().addLast("codec", new HttpClientCodec(new HttpDecoderConfig()
                                    .setMaxInitialLineLength(8192)
                                    .setMaxHeaderSize(64 * 1024) // registries send long Link and WWW-Authenticate headers
                                    // A body chunk is a slice of what one read brought (up to 64 KiB), not a copy;
                                    // each costs a fill a task, a write and a hash update, so fewer is cheaper: 16 KiB
                                    // chunks took 9% more CPU and 13% more time over a cold 512 MiB fill.
                                    .setMaxChunkSize(64 * 1024), false, false));
                            ch.pipeline().addLast("response", connection.responseHandler());
                        }
                    });
            ChannelFuture connecting = bootstrap.connect(address);
            connecting.addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(new UpstreamException("cannot connect to " + origin + ": " + f.cause(), f.cause()));
                    return;
                }
                boolean closedMeanwhile;
                synchronized (this) {
                    closedMeanwhile = closed;
                    if (!closed) {
                        allChannels.add(connecting.channel());
                    }
                }
                if (closedMeanwhile) {
                    connecting.channel().close();
                    result.completeExceptionally(new UpstreamException("upstream client is closed"));
                } else {
                    connecting.channel().closeFuture().addListener(c -> forget(created[0]));
                    result.complete(created[0]);
                }
            });
            return result;
        });
    }

    private InetSocketAddress resolve(Origin origin) {
        try {
            return new InetSocketAddress(InetAddress.getByName(origin.bareHost()), origin.port());
        } catch (UnknownHostException e) {
            throw new CompletionException(new UpstreamException("cannot resolve " + origin.bareHost(), e));
        }
    }

    private void forget(UpstreamConnection connection) {
        synchronized (this) {
            remove(connection);
        }
        log.debug("connection to {} closed", connection.origin());
    }

    /** Closes every connection, idle or busy; busy exchanges fail as if the upstream had closed them. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            idle.clear();
        }
        var closing = allChannels.close();
        if (!onEventLoop()) {
            closing.awaitUninterruptibly(5, TimeUnit.SECONDS); // so that a caller's shutdown sees sockets closed
        }
        resolver.shutdown();
    }

    private boolean onEventLoop() {
        for (var executor : group) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }
}
