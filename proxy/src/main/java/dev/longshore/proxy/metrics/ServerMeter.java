package dev.longshore.proxy.metrics;

import dev.longshore.proxy.pull.StaleServes;
import io.micrometer.core.instrument.Meter;

import java.util.List;

/**
 * The catalogue of the server's meters outside the fills (those are in {@link dev.longshore.proxy.fill.FillMeter}):
 * name, type, description and tag keys in one place. Every tag has a small fixed set of values (a route, a status
 * class, a configured upstream's name): never a repository, a digest, a client or a path. Prometheus sees the names
 * with dots as underscores, counters with {@code _total} and timers with {@code _seconds_count}/{@code _sum}/{@code _max}.
 */
public enum ServerMeter implements CataloguedMeter {
    REQUESTS("longshore.requests", Meter.Type.TIMER,
            "Registry API responses and their duration to the last byte, by route, method and status class",
            List.of("route", "method", "status")),
    CACHE_REQUESTS("longshore.cache.requests", Meter.Type.COUNTER,
            "Responses that say how the cache answered (Cache-Status), by route and result: hit, miss (from an upstream) or stale",
            List.of("route", "result")),
    SERVED_BYTES("longshore.served.bytes", Meter.Type.COUNTER,
            "Bytes written to clients (headers included), by source: disk (hits and stale answers) or upstream (misses)",
            List.of("source")),
    UPSTREAM_REQUESTS("longshore.upstream.requests", Meter.Type.TIMER,
            "HTTP exchanges with upstreams and their time to the response head, by upstream and status class (error: no answer)",
            List.of("upstream", "status")),
    UPSTREAM_ERRORS("longshore.upstream.errors", Meter.Type.COUNTER,
            "Upstream exchanges that got no answer, by upstream and cause: timeout, connect, tls or other",
            List.of("upstream", "cause")),
    UPSTREAM_THROTTLED("longshore.upstream.throttled", Meter.Type.COUNTER,
            "429 Too Many Requests answers from upstreams", List.of("upstream")),
    UPSTREAM_RATELIMIT_REMAINING("longshore.upstream.ratelimit.remaining", Meter.Type.GAUGE,
            "Pulls left in the upstream's quota as it last said (Docker Hub's ratelimit-remaining); NaN until it says",
            List.of("upstream")),
    STALE_SERVED(StaleServes.METER, Meter.Type.COUNTER,
            "Cached answers served because the upstream could not be asked (registered by pull/StaleServes)",
            List.of("upstream", "kind")),
    CACHE_BYTES("longshore.cache.bytes", Meter.Type.GAUGE, "Bytes of committed blobs in the cache", List.of()),
    CACHE_BLOBS("longshore.cache.blobs", Meter.Type.GAUGE, "Committed blobs in the cache", List.of()),
    CACHE_EVICTIONS("longshore.cache.evictions", Meter.Type.COUNTER,
            "Blobs evicted to keep the cache under its size limit (registered by the cache lifecycle)", List.of()),
    NETTY_DIRECT_MEMORY("longshore.netty.allocator.direct.bytes", Meter.Type.GAUGE,
            "Direct memory held by Netty's default buffer allocator", List.of("allocator")),
    NETTY_HEAP_MEMORY("longshore.netty.allocator.heap.bytes", Meter.Type.GAUGE,
            "Heap memory held by Netty's default buffer allocator", List.of("allocator")),
    ACCESS_LOG_DROPPED("longshore.accesslog.dropped", Meter.Type.COUNTER,
            "Access log lines dropped because the log could not keep up (or could not be written)", List.of());

    private final String meterName;
    private final Meter.Type type;
    private final String description;
    private final List<String> tagKeys;

    ServerMeter(String meterName, Meter.Type type, String description, List<String> tagKeys) {
        this.meterName = meterName;
        this.type = type;
        this.description = description;
        this.tagKeys = tagKeys;
    }

    @Override
    public String meterName() {
        return meterName;
    }

    @Override
    public Meter.Type type() {
        return type;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public List<String> tagKeys() {
        return tagKeys;
    }

    /** {@code 2xx}, {@code 4xx}, ...: the status class, so the tag has five values, not hundreds. */
    static String statusClass(int status) {
        return status >= 100 && status < 600 ? (status / 100) + "xx" : "other";
    }
}
