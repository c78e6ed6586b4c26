package dev.longshore.proxy.admin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Routes the admin listener: {@code /metrics} (Prometheus text), {@code /healthz}, {@code /readyz} and the
 * {@link AdminApi} under {@code /admin/}. Anything that reads the index or scrapes runs on the storage executor.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    /** The Prometheus text exposition format's content type. */
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Supplier<String> scrape;
    private final Health health;
    private final AdminApi api;
    private final Executor executor;

    AdminHandler(Supplier<String> scrape, Health health, AdminApi api, Executor executor) {
        this.scrape = scrape;
        this.health = health;
        this.api = api;
        this.executor = executor;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpMethod method = request.method();
        String path = new QueryStringDecoder(request.uri()).path();
        CompletableFuture.supplyAsync(() -> answer(method, path), executor)
                .exceptionally(error -> {
                    log.warn("admin request {} {} failed", method, path, error);
                    return AdminReply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, String.valueOf(error.getCause() != null ? error.getCause() : error));
                })
                .thenAccept(reply -> ctx.executor().execute(() -> write(ctx, reply, keepAlive)));
    }

    private AdminReply answer(HttpMethod method, String path) {
        boolean read = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        return switch (path) {
            case "/metrics" -> read ? new AdminReply(HttpResponseStatus.OK, PROMETHEUS_TYPE, scrape.get()) : notAllowed();
            case "/healthz" -> read ? AdminReply.ok(JsonNodeFactory.instance.objectNode().put("status", "ok")) : notAllowed();
            case "/readyz" -> read ? ready() : notAllowed();
            default -> path.startsWith("/admin/") ? api.handle(method, path)
                    : AdminReply.error(HttpResponseStatus.NOT_FOUND, "no such resource: " + path
                    + "; try /metrics, /healthz, /readyz or /admin/");
        };
    }

    private AdminReply ready() {
        Health.Readiness readiness = health.readiness();
        ObjectNode body = JsonNodeFactory.instance.objectNode()
                .put("status", readiness.ready() ? "ready" : "not ready")
                .put("storage", readiness.storage())
                .put("upstreams", readiness.upstreams())
                .put("accepting", readiness.accepting());
        return AdminReply.json(readiness.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
    }

    private static AdminReply notAllowed() {
        return AdminReply.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET");
    }

    private static void write(ChannelHandlerContext ctx, AdminReply reply, boolean keepAlive) {
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(), Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var done = ctx.writeAndFlush(response);
        if (!keepAlive) {
            done.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
