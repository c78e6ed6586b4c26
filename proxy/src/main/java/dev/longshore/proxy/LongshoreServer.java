package dev.longshore.proxy;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.config.Settings;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.admin.AccessLog;
import dev.longshore.proxy.admin.AdminServer;
import dev.longshore.proxy.fill.BlobFills;
import dev.longshore.proxy.fill.FillLimits;
import dev.longshore.proxy.lifecycle.CacheLifecycle;
import dev.longshore.proxy.lifecycle.ImageReference;
import dev.longshore.proxy.lifecycle.Pins;
import dev.longshore.proxy.http.ByteCounter;
import dev.longshore.proxy.http.InFlightRequests;
import dev.longshore.proxy.http.RegistryHandler;
import dev.longshore.proxy.http.RegistryService;
import dev.longshore.proxy.http.RequestObserver;
import dev.longshore.proxy.metrics.RequestMetrics;
import dev.longshore.proxy.metrics.ServerMetrics;
import dev.longshore.proxy.metrics.UpstreamMetrics;
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
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A running Longshore: the registry API listener, its storage and its upstream clients, wired together.
 * {@link #start(Settings)} returns once the ports are bound (the registry API, and the admin listener if configured);
 * {@link #close()} shuts down gracefully: stops accepting, lets responses under way finish (for at most
 * {@link #DRAIN_TIMEOUT}), closes connections, then closes the storage.
 *
 * <p>Threads: Netty event loops do network I/O only; everything that touches the disk or RocksDB (lookups, fills,
 * commits) runs on the storage executor, so a slow disk never stalls other clients' transfers.
 */
public final class LongshoreServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LongshoreServer.class);
    /** How long a shutdown gives the 503s it sends after {@link #DRAIN_TIMEOUT} to go out before it closes connections. */
    private static final Duration DEADLINE_ANSWERS = Duration.ofMillis(500);
    /** How long a shutdown waits for responses under way: a blob to a slow client may take a while, a stop may not. */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final EventLoopGroup upstreamGroup;
    private final ExecutorService storageExecutor;
    private final CacheStorage storage;
    private final Upstreams upstreams;
    private final BlobFills fills;
    private final ServerMetrics metrics;
    private final Channel serverChannel;
    private final InFlightRequests inFlight;
    private final AccessLog accessLog;
    private final AdminServer adminServer;
    private boolean closed;
    private final CacheLifecycle lifecycle;

    private LongshoreServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, EventLoopGroup upstreamGroup, ExecutorService storageExecutor,
                            CacheStorage storage, Upstreams upstreams, BlobFills fills, ServerMetrics metrics,
                            Channel serverChannel, CacheLifecycle lifecycle, InFlightRequests inFlight, AccessLog accessLog,
                            AdminServer adminServer) {
        this.lifecycle = lifecycle;
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.upstreamGroup = upstreamGroup;
        this.storageExecutor = storageExecutor;
        this.storage = storage;
        this.upstreams = upstreams;
        this.fills = fills;
        this.metrics = metrics;
        this.serverChannel = serverChannel;
        this.inFlight = inFlight;
        this.accessLog = accessLog;
        this.adminServer = adminServer;
    }

    public static LongshoreServer start(Settings settings) throws Exception {
        return start(settings, Clock.systemUTC());
    }

    public static LongshoreServer start(Settings settings, Clock clock) throws Exception {
        return start(settings, clock, FillLimits.DEFAULTS);
    }

    /** With the fill timeout and resume policy tests need shorter than production's. */
    public static LongshoreServer start(Settings settings, Clock clock, FillLimits fillLimits) throws Exception {
        return start(settings, LifecycleSettings.DEFAULTS, clock, fillLimits);
    }

    /** With the cache's budgets, pins and GC settings. */
    public static LongshoreServer start(Settings settings, LifecycleSettings lifecycleSettings, Clock clock, FillLimits fillLimits) throws Exception {
        // Parsed before anything is opened, so a bad pin fails like any other bad setting.
        Pins pins = new Pins(lifecycleSettings.pins().stream()
                .map(pin -> ImageReference.parse("pins", pin, settings.defaultUpstream().name())).toList());
        // The cached bytes are counted in the background (CacheLifecycle), so a large cache starts serving at once.
        CacheStorage storage = CacheStorage.open(settings.dataDir(), clock, false);
        EventLoopGroup bossGroup = Transport.group(1, new DefaultThreadFactory("longshore-accept"));
        EventLoopGroup workerGroup = Transport.group(0, new DefaultThreadFactory("longshore-io"));
        // Upstream connections get event loops of their own: a fill's every chunk passes through its connection's
        // loop, and on a loop shared with clients it would queue behind their writes, so fast clients slowed the fill.
        EventLoopGroup upstreamGroup = Transport.group(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("longshore-upstream"));
        ExecutorService storageExecutor = Executors.newFixedThreadPool(
                Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), new DefaultThreadFactory("longshore-storage", true));
        ServerMetrics metrics = new ServerMetrics();
        AccessLog accessLog = null;
        Channel channel = null;
        try {
            MeterRegistry meterRegistry = metrics.registry();
            metrics.bindCache(storage.usage());
            accessLog = AccessLog.open(settings.accessLog(), meterRegistry);
            UpstreamMetrics upstreamMetrics = new UpstreamMetrics(meterRegistry);
            List<UpstreamClient> clients = new ArrayList<>();
            for (UpstreamSettings upstream : settings.upstreams()) {
                clients.add(new UpstreamClient(upstream, upstreamGroup, clock, settings.offline(), upstreamMetrics));
            }
            Upstreams upstreams = new Upstreams(clients);
            RateLimits rateLimits = new RateLimits(clock);
            metrics.bindRateLimits(rateLimits, settings.upstreams().stream().map(UpstreamSettings::name).toList());
            InFlightRequests inFlight = new InFlightRequests();
            RequestObserver observer = accessLog == null ? new RequestMetrics(meterRegistry)
                    : RequestObserver.both(new RequestMetrics(meterRegistry), accessLog);
            BlobFills fills = new BlobFills(storage, storageExecutor, upstreamGroup, meterRegistry, fillLimits);
            Freshness freshness = new Freshness(settings.tagTtl(), clock);
            StaleServes staleServes = new StaleServes(meterRegistry);
            RegistryService service = new RegistryService(upstreams,
                    new ManifestService(storage, storageExecutor, freshness, rateLimits, staleServes),
                    new BlobService(fills, storageExecutor),
                    new TagListService(storage, storageExecutor),
                    new ReferrersService(storage, storageExecutor, freshness, staleServes));

            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(Transport.serverChannel(workerGroup))
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            inFlight.track(ch);
                            ch.pipeline()
                                    .addLast("bytes", new ByteCounter())
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("chunked", new ChunkedWriteHandler())
                                    .addLast("registry", new RegistryHandler(service, observer, inFlight));
                        }
                    });
            channel = Listeners.bind(bootstrap, settings.listen(), "listen");
            CacheLifecycle lifecycle = new CacheLifecycle(storage, lifecycleSettings, pins, storageExecutor, CacheLifecycle.Intervals.DEFAULTS);
            lifecycle.start();
            AdminServer admin = null;
            if (settings.adminListen().isPresent()) {
                try {
                    admin = AdminServer.start(settings.adminListen().get(), settings, storage, rateLimits, metrics,
                            inFlight, storageExecutor, () -> Optional.of(lifecycle::gcSoon));
                } catch (Exception | Error e) {
                    lifecycle.close();
                    throw e;
                }
                log.info("Admin listener (metrics, health, admin API) on {}", admin.address());
            }
            LongshoreServer server = new LongshoreServer(bossGroup, workerGroup, upstreamGroup, storageExecutor, storage, upstreams, fills,
                    metrics, channel, lifecycle, inFlight, accessLog, admin);
            log.info("Longshore listening on {} ({}), data in {}, upstreams {}, tag TTL {}{}", server.address(), Transport.name(), settings.dataDir().toAbsolutePath(),
                    settings.upstreams().stream().map(u -> u.name() + "=" + u.url()).toList(), settings.tagTtl(),
                    settings.offline() ? ", OFFLINE: no upstream is contacted" : "");
            return server;
        } catch (Exception | Error e) {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
            if (accessLog != null) {
                accessLog.close();
            }
            metrics.close();
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

    /**
     * Every meter the server keeps (catalogued in {@link dev.longshore.proxy.metrics.ServerMeter} and
     * {@link dev.longshore.proxy.fill.FillMeter}), scraped at {@code /metrics} on the admin listener.
     */
    public MeterRegistry meterRegistry() {
        return metrics.registry();
    }

    /** The admin listener's bound address; empty when the settings asked for none. */
    public Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(adminServer).map(AdminServer::address);
    }

    public CacheStorage storage() {
        return storage;
    }

    /** Eviction, GC and access-time flushing of the cache. */
    public CacheLifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * Shuts down gracefully: stops accepting, lets responses under way finish for up to {@link #DRAIN_TIMEOUT} (their
     * connections then close instead of waiting for another request), closes every connection, then lets storage
     * tasks finish and closes the index cleanly. What SIGTERM does, through {@code serve}'s shutdown hook.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        serverChannel.close().syncUninterruptibly();
        inFlight.drain();
        try {
            if (!inFlight.awaitIdle(DRAIN_TIMEOUT)) {
                log.warn("shutting down with {} response(s) still under way after {}s", inFlight.active(), DRAIN_TIMEOUT.toSeconds());
                // Requests still waiting for an upstream get a 503 rather than a connection closed without an answer.
                inFlight.drainDeadline();
                inFlight.awaitIdle(DEADLINE_ANSWERS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (adminServer != null) {
            adminServer.close();
        }
        EventLoops.stop(bossGroup, "accept");
        EventLoops.stop(workerGroup, "client I/O");
        upstreams.close();
        EventLoops.stop(upstreamGroup, "upstream I/O");
        lifecycle.close();
        // Storage tasks may still be committing fills; let them finish before the index closes under them.
        storageExecutor.shutdown();
        try {
            if (!storageExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                storageExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (accessLog != null) {
            accessLog.close();
        }
        metrics.close();
        storage.close();
    }
}
