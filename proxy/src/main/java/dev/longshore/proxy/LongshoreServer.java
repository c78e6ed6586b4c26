package dev.longshore.proxy;

import dev.longshore.config.Settings;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.fill.BlobFills;
import dev.longshore.proxy.fill.FillLimits;
import dev.longshore.proxy.http.RegistryHandler;
import dev.longshore.proxy.http.RegistryService;
import dev.longshore.proxy.pull.BlobService;
import dev.longshore.proxy.pull.Freshness;
import dev.longshore.proxy.pull.ManifestService;
import dev.longshore.proxy.pull.RateLimits;
import dev.longshore.proxy.pull.ReferrersService;
import dev.longshore.proxy.pull.StaleServes;
import dev.longshore.proxy.pull.TagListService;
import dev.longshore.proxy.pull.Upstreams;
import dev.longshore.proxy.upstream.UpstreamClient;
import dev.longshore.storage.CacheStorage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A running Longshore: the registry API listener, its storage and its upstream clients, wired together.
 * {@link #start(Settings)} returns once the port is bound; {@link #close()} stops accepting, closes connections,
 * then closes the storage.
 *
 * <p>Threads: Netty event loops do network I/O only; everything that touches the disk or RocksDB (lookups, fills,
 * commits) runs on the storage executor, so a slow disk never stalls other clients' transfers.
 */
public final class LongshoreServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LongshoreServer.class);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final EventLoopGroup upstreamGroup;
    private final ExecutorService storageExecutor;
    private final CacheStorage storage;
    private final Upstreams upstreams;
    private final BlobFills fills;
    private final MeterRegistry meterRegistry;
    private final Channel serverChannel;

    private LongshoreServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, EventLoopGroup upstreamGroup, ExecutorService storageExecutor,
                            CacheStorage storage, Upstreams upstreams, BlobFills fills, MeterRegistry meterRegistry,
                            Channel serverChannel) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.upstreamGroup = upstreamGroup;
        this.storageExecutor = storageExecutor;
        this.storage = storage;
        this.upstreams = upstreams;
        this.fills = fills;
        this.meterRegistry = meterRegistry;
        this.serverChannel = serverChannel;
    }

    public static LongshoreServer start(Settings settings) throws Exception {
        return start(settings, Clock.systemUTC());
    }

    public static LongshoreServer start(Settings settings, Clock clock) throws Exception {
        return start(settings, clock, FillLimits.DEFAULTS);
    }

    /** With the fill timeout and resume policy tests need shorter than production's. */
    public static LongshoreServer start(Settings settings, Clock clock, FillLimits fillLimits) throws Exception {
        CacheStorage storage = CacheStorage.open(settings.dataDir(), clock);
        EventLoopGroup bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("longshore-accept"), NioIoHandler.newFactory());
        EventLoopGroup workerGroup = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("longshore-io"), NioIoHandler.newFactory());
        // Upstream connections get event loops of their own: a fill's every chunk passes through its connection's
        // loop, and on a loop shared with clients it would queue behind their writes, so fast clients slowed the fill.
        EventLoopGroup upstreamGroup = new MultiThreadIoEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("longshore-upstream"), NioIoHandler.newFactory());
        ExecutorService storageExecutor = Executors.newFixedThreadPool(
                Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), new DefaultThreadFactory("longshore-storage", true));
        try {
            List<UpstreamClient> clients = new ArrayList<>();
            for (UpstreamSettings upstream : settings.upstreams()) {
                clients.add(new UpstreamClient(upstream, upstreamGroup, clock, settings.offline()));
            }
            Upstreams upstreams = new Upstreams(clients);
            // A SimpleMeterRegistry until the metrics endpoint exists; tests read the fill counters from it.
            MeterRegistry meterRegistry = new SimpleMeterRegistry();
            BlobFills fills = new BlobFills(storage, storageExecutor, upstreamGroup, meterRegistry, fillLimits);
            Freshness freshness = new Freshness(settings.tagTtl(), clock);
            StaleServes staleServes = new StaleServes(meterRegistry);
            RegistryService service = new RegistryService(upstreams,
                    new ManifestService(storage, storageExecutor, freshness, new RateLimits(clock), staleServes),
                    new BlobService(fills, storageExecutor),
                    new TagListService(storage, storageExecutor),
                    new ReferrersService(storage, storageExecutor, freshness, staleServes));

            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("chunked", new ChunkedWriteHandler())
                                    .addLast("registry", new RegistryHandler(service));
                        }
                    });
            Channel channel = bootstrap.bind(settings.listen().host(), settings.listen().port()).sync().channel();
            LongshoreServer server = new LongshoreServer(bossGroup, workerGroup, upstreamGroup, storageExecutor, storage, upstreams, fills, meterRegistry, channel);
            log.info("Longshore listening on {}, data in {}, upstreams {}, tag TTL {}{}", server.address(), settings.dataDir().toAbsolutePath(),
                    settings.upstreams().stream().map(u -> u.name() + "=" + u.url()).toList(), settings.tagTtl(),
                    settings.offline() ? ", OFFLINE: no upstream is contacted" : "");
            return server;
        } catch (Exception | Error e) {
            bossGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workerGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            upstreamGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            storageExecutor.shutdownNow();
            storage.close();
            throw e;
        }
    }

    /** The bound address (with the real port when the settings asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The fills in flight, for tests that wait for background fills to end. */
    public BlobFills fills() {
        return fills;
    }

    /** Every meter the server keeps (the fill counters of {@link dev.longshore.proxy.fill.FillMeter}, for now). */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    public CacheStorage storage() {
        return storage;
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        upstreams.close();
        upstreamGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        // Storage tasks may still be committing fills; let them finish before the index closes under them.
        storageExecutor.shutdown();
        try {
            if (!storageExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                storageExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        storage.close();
    }
}
