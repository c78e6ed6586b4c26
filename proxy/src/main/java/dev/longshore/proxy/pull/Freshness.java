package dev.longshore.proxy.pull;

import dev.longshore.config.UpstreamSettings;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When a cached answer that can change upstream (a tag, a referrers list) may be served without asking: within its
 * upstream's TTL; and, when asking fails, for up to {@code maxStale} past that.
 */
public final class Freshness {
    private final Duration defaultTtl;
    private final Clock clock;

    /** @param defaultTtl the TTL of upstreams that set none of their own */
    public Freshness(Duration defaultTtl, Clock clock) {
        this.defaultTtl = defaultTtl;
        this.clock = clock;
    }

    public Instant now() {
        return clock.instant();
    }

    public Duration ttl(UpstreamSettings upstream) {
        return upstream.tagTtl().orElse(defaultTtl);
    }

    /** True while an answer fetched at {@code fetchedAt} is within its TTL. */
    public boolean fresh(UpstreamSettings upstream, Instant fetchedAt) {
        return Duration.between(fetchedAt, now()).compareTo(ttl(upstream)) < 0;
    }

    /** True when an answer fetched at {@code fetchedAt} has been stale for no longer than the upstream's maxStale. */
    public boolean servableStale(UpstreamSettings upstream, Instant fetchedAt) {
        if (upstream.maxStale().isEmpty()) {
            return true;
        }
        Duration staleFor = Duration.between(fetchedAt, now()).minus(ttl(upstream));
        return staleFor.compareTo(upstream.maxStale().get()) <= 0;
    }
}
