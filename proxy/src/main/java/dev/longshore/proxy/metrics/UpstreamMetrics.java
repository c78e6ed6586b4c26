package dev.longshore.proxy.metrics;

import dev.longshore.proxy.upstream.UpstreamObserver;
import dev.longshore.proxy.upstream.UpstreamTimeoutException;
import io.micrometer.core.instrument.MeterRegistry;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/** Upstream requests, latency, errors by cause and 429s, by upstream name. */
public final class UpstreamMetrics implements UpstreamObserver {
    private final MeterRegistry registry;

    public UpstreamMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void answered(String upstream, int status, long nanos) {
        ServerMeter.UPSTREAM_REQUESTS.timer(registry, upstream, ServerMeter.statusClass(status)).record(nanos, TimeUnit.NANOSECONDS);
        if (status == 429) {
            ServerMeter.UPSTREAM_THROTTLED.counter(registry, upstream).increment();
        }
    }

    @Override
    public void failed(String upstream, Throwable error, long nanos) {
        ServerMeter.UPSTREAM_REQUESTS.timer(registry, upstream, "error").record(nanos, TimeUnit.NANOSECONDS);
        ServerMeter.UPSTREAM_ERRORS.counter(registry, upstream, cause(error)).increment();
    }

    static String cause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UpstreamTimeoutException || t instanceof io.netty.channel.ConnectTimeoutException
                    || t instanceof io.netty.handler.timeout.TimeoutException) {
                return "timeout";
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return "connect";
            }
            if (t instanceof SSLException) {
                return "tls";
            }
        }
        return "other";
    }
}
