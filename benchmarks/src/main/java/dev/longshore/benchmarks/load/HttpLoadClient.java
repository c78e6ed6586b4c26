package dev.longshore.benchmarks.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The load generator's HTTP/1.1 client: plain Netty on two event-loop threads, so the client costs little CPU next to
 * the mirror under test on a small machine. Blob fetches use one connection each, as a container runtime's parallel
 * layer downloads do; {@link ClosedLoopLoad} keeps its own connections alive.
 */
public final class HttpLoadClient implements AutoCloseable {

    /** Every manifest type a current container runtime accepts, as docker and containerd send them. */
    public static final String MANIFEST_ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private final String host;
    private final int port;
    private final EventLoopGroup group;

    public HttpLoadClient(URI base, int threads) {
        this.host = base.getHost();
        this.port = base.getPort() == -1 ? 80 : base.getPort();
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    }

    /**
     * Sends one request on a new connection and reads the whole response. {@code hash} computes the body's sha256;
     * {@code keepBody} keeps the body (for manifests; never for blobs).
     */
    public CompletableFuture<FetchResult> fetch(HttpMethod method, String path, String accept, boolean hash,
                                                boolean keepBody) {
        CompletableFuture<FetchResult> result = new CompletableFuture<>();
        long start = System.nanoTime();
        FetchHandler handler = new FetchHandler(start, hash, keepBody, result);
        connect(() -> handler).addListener((ChannelFuture connected) -> {
            if (!connected.isSuccess()) {
                result.completeExceptionally(connected.cause());
                return;
            }
            connected.channel().writeAndFlush(request(method, path, accept));
        });
        return result;
    }

    /**
     * One request down every path the measured ones take (connect, codec, handler, hashing), waited for: the client's
     * own class loading and first compilation (some 0.15 s in a fresh JVM) must not count as a mirror's time to first
     * byte. {@code GET /v2/} is answered by every mirror; call it before marking the upstream log, as nginx passes it on.
     */
    public void warmUp(long timeoutSeconds) throws Exception {
        fetch(HttpMethod.GET, "/v2/", null, true, false).get(timeoutSeconds, TimeUnit.SECONDS);
    }

    /** A new connection whose pipeline ends with the given handler (one per connection). */
    public ChannelFuture connect(Supplier<ChannelHandler> handler) {
        return new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Large chunks: fewer content objects per GiB, so the client stays cheap.
                        ch.pipeline().addLast(new HttpClientCodec(
                                new HttpDecoderConfig().setMaxChunkSize(1 << 20), false, false));
                        ch.pipeline().addLast(handler.get());
                    }
                })
                .connect(host, port);
    }

    public FullHttpRequest request(HttpMethod method, String path, String accept) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path);
        request.headers()
                .set(HttpHeaderNames.HOST, host + ":" + port)
                .set(HttpHeaderNames.USER_AGENT, "longshore-benchmarks")
                .set(HttpHeaderNames.CONTENT_LENGTH, 0);
        if (accept != null) {
            request.headers().set(HttpHeaderNames.ACCEPT, accept);
        }
        return request;
    }

    public static CompletableFuture<Channel> toCompletable(ChannelFuture future) {
        CompletableFuture<Channel> done = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                done.complete(future.channel());
            } else {
                done.completeExceptionally(f.cause());
            }
        });
        return done;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
