package dev.longshore.proxy.admin;

import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.proxy.Listeners;
import dev.longshore.proxy.Transport;
import dev.longshore.proxy.http.InFlightRequests;
import dev.longshore.proxy.metrics.ServerMetrics;
import dev.longshore.proxy.pull.RateLimits;
import dev.longshore.storage.CacheStorage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The admin listener: a second HTTP server, apart from the registry API so that it can stay on loopback (it can purge
 * the cache) and keep answering health checks and scrapes while the registry port is busy. One event loop thread is
 * plenty: it only moves small bodies, and the work runs on the storage executor.
 */
public final class AdminServer implements AutoCloseable {
    /** Admin requests have no bodies worth the name. */
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Binds {@code listen}. {@code gc} is asked on each {@code POST /admin/gc} for the collector to start (empty: the
     * build has none, and the answer is 501).
     */
    public static AdminServer start(HostPort listen, Settings settings, CacheStorage storage, RateLimits rateLimits,
                                    ServerMetrics metrics, InFlightRequests inFlight, Executor executor,
                                    Supplier<Optional<GarbageCollection>> gc) throws InterruptedException {
        Health health = new Health(storage, settings.upstreams().size(), Health.acceptingUnlessDraining(inFlight));
        AdminApi api = new AdminApi(settings, storage, rateLimits, gc);
        EventLoopGroup group = Transport.group(1, new DefaultThreadFactory("longshore-admin", true));
        try {
            Channel channel = Listeners.bind(new ServerBootstrap()
                    .group(group)
                    .channel(Transport.serverChannel(group))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                    .addLast("admin", new AdminHandler(metrics::scrape, health, api, executor));
                        }
                    }), listen, "adminListen");
            return new AdminServer(group, channel);
        } catch (Exception | Error e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Starts a garbage collection (the lifecycle's collector, adapted); completes when it is done. */
    public interface GarbageCollection {
        java.util.concurrent.CompletableFuture<?> start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        dev.longshore.proxy.EventLoops.stop(group, "admin");
    }
}
