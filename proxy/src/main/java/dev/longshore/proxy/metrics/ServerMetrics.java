package dev.longshore.proxy.metrics;

import dev.longshore.proxy.pull.RateLimits;
import dev.longshore.storage.CacheUsage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

import java.util.List;

/**
 * The server's meter registry, in Prometheus form for {@code /metrics}: the fill, request and upstream meters the
 * rest of the server registers, plus gauges bound here: JVM memory, GC, threads and CPU, Netty's allocator memory,
 * the cache's size and each upstream's remaining pull quota.
 */
public final class ServerMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;

    public ServerMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        this.gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        bindAllocator(ByteBufAllocator.DEFAULT);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** Cached bytes and blobs: read from the running totals the storage keeps, never from a scan. */
    public void bindCache(CacheUsage usage) {
        Gauge.builder(ServerMeter.CACHE_BYTES.meterName(), usage, CacheUsage::totalBytes)
                .description(ServerMeter.CACHE_BYTES.description()).baseUnit("bytes").register(registry);
        Gauge.builder(ServerMeter.CACHE_BLOBS.meterName(), usage, CacheUsage::blobCount)
                .description(ServerMeter.CACHE_BLOBS.description()).register(registry);
    }

    public void bindRateLimits(RateLimits rateLimits, List<String> upstreams) {
        for (String upstream : upstreams) {
            Gauge.builder(ServerMeter.UPSTREAM_RATELIMIT_REMAINING.meterName(), rateLimits, r -> r.remaining(upstream))
                    .description(ServerMeter.UPSTREAM_RATELIMIT_REMAINING.description())
                    .tag("upstream", upstream)
                    .register(registry);
        }
    }

    private void bindAllocator(ByteBufAllocator allocator) {
        if (!(allocator instanceof ByteBufAllocatorMetricProvider provider)) {
            return;
        }
        ByteBufAllocatorMetric metric = provider.metric();
        String name = allocator.getClass().getSimpleName();
        Gauge.builder(ServerMeter.NETTY_DIRECT_MEMORY.meterName(), metric, ByteBufAllocatorMetric::usedDirectMemory)
                .description(ServerMeter.NETTY_DIRECT_MEMORY.description()).baseUnit("bytes").tag("allocator", name).register(registry);
        Gauge.builder(ServerMeter.NETTY_HEAP_MEMORY.meterName(), metric, ByteBufAllocatorMetric::usedHeapMemory)
                .description(ServerMeter.NETTY_HEAP_MEMORY.description()).baseUnit("bytes").tag("allocator", name).register(registry);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
