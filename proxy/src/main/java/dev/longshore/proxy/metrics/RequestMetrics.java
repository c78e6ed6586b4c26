package dev.longshore.proxy.metrics;

import dev.longshore.proxy.http.RequestObserver;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.TimeUnit;

/** Turns each finished registry request into {@link ServerMeter#REQUESTS}, cache results and served bytes. */
public final class RequestMetrics implements RequestObserver {
    private final MeterRegistry registry;

    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void finished(FinishedRequest request) {
        ServerMeter.REQUESTS.timer(registry, request.route(), method(request.method()), ServerMeter.statusClass(request.status()))
                .record(request.durationNanos(), TimeUnit.NANOSECONDS);
        String result = request.cacheResult();
        if (result != null) {
            ServerMeter.CACHE_REQUESTS.counter(registry, request.route(), result).increment();
        }
        if (request.bytes() > 0) {
            String source = "miss".equals(result) ? "upstream" : "disk";
            ServerMeter.SERVED_BYTES.counter(registry, source).increment(request.bytes());
        }
    }

    /** Methods as clients send them are unbounded; a registry sees a few. */
    private static String method(String method) {
        return switch (method) {
            case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" -> method;
            default -> "other";
        };
    }
}
