package dev.longshore.proxy.pull;

import dev.longshore.proxy.testing.MutableClock;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final RateLimits limits = new RateLimits(clock);

    private static HttpHeaders quota(String limit, String remaining) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (limit != null) {
            headers.set("ratelimit-limit", limit);
        }
        if (remaining != null) {
            headers.set("ratelimit-remaining", remaining);
        }
        return headers;
    }

    @Test
    void low_belowATenthOfTheLimit_orAFewPullsLeft() {
        limits.observe("docker.io", quota("100;w=21600", "76;w=21600"));
        assertThat(limits.low("docker.io")).isFalse();
        limits.observe("docker.io", quota("100;w=21600", "9;w=21600"));
        assertThat(limits.low("docker.io")).isTrue();
        limits.observe("docker.io", quota(null, "4"));
        assertThat(limits.low("docker.io")).isTrue();
        limits.observe("docker.io", quota(null, "50"));
        assertThat(limits.low("docker.io")).isFalse();
    }

    @Test
    void low_isPerUpstream_andHoldsOnlyForTheWindow() {
        limits.observe("docker.io", quota("100;w=3600", "1;w=3600"));
        assertThat(limits.low("docker.io")).isTrue();
        assertThat(limits.low("ghcr.io")).isFalse();
        clock.advance(Duration.ofMinutes(61));
        assertThat(limits.low("docker.io")).isFalse();
    }

    @Test
    void observe_responsesWithoutOrWithUnusableHeaders_changeNothing() {
        limits.observe("docker.io", quota("100;w=21600", "2;w=21600"));
        limits.observe("docker.io", quota(null, null));
        limits.observe("docker.io", quota("lots", "some"));
        limits.observe("docker.io", quota(null, "99999999999999999999999"));
        assertThat(limits.low("docker.io")).isTrue();
    }
}
