package dev.longshore.proxy.upstream;

import dev.longshore.proxy.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenCacheTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final TokenKey KEY = new TokenKey("https://auth/token", "registry", List.of("repository:a:pull"));

    private final MutableClock clock = new MutableClock(T0);
    private final TokenCache cache = new TokenCache(clock);
    private final AtomicInteger fetches = new AtomicInteger();

    private CompletableFuture<BearerToken> fetch(Duration lifetime) {
        fetches.incrementAndGet();
        return CompletableFuture.completedFuture(new BearerToken("t" + fetches.get(), clock.instant().plus(lifetime)));
    }

    @Test
    void keepsATokenUntilItsRefreshTime() {
        assertThat(cache.tokenFor(KEY, () -> fetch(Duration.ofMinutes(5))).join().token()).isEqualTo("t1");
        clock.advance(Duration.ofMinutes(4));
        assertThat(cache.tokenFor(KEY, () -> fetch(Duration.ofMinutes(5))).join().token()).isEqualTo("t1");
        clock.advance(Duration.ofMinutes(1));
        assertThat(cache.tokenFor(KEY, () -> fetch(Duration.ofMinutes(5))).join().token()).isEqualTo("t2");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void concurrentCallersShareOnePendingRequest() {
        CompletableFuture<BearerToken> pending = new CompletableFuture<>();
        CompletableFuture<BearerToken> first = cache.tokenFor(KEY, () -> {
            fetches.incrementAndGet();
            return pending;
        });
        CompletableFuture<BearerToken> second = cache.tokenFor(KEY, () -> fetch(Duration.ofMinutes(5)));

        pending.complete(new BearerToken("shared", T0.plusSeconds(60)));

        assertThat(first.join().token()).isEqualTo("shared");
        assertThat(second.join().token()).isEqualTo("shared");
        assertThat(fetches).hasValue(1);
    }

    @Test
    void forgetsFailedRequests() {
        CompletableFuture<BearerToken> failed = cache.tokenFor(KEY, () -> CompletableFuture.failedFuture(new UpstreamException("down")));
        assertThat(failed).isCompletedExceptionally();

        assertThat(cache.tokenFor(KEY, () -> fetch(Duration.ofMinutes(5))).join().token()).isEqualTo("t1");
    }

    @Test
    void invalidatesOnlyTheRejectedToken() {
        BearerToken first = cache.tokenFor(KEY, () -> fetch(Duration.ofMinutes(5))).join();
        cache.invalidate(KEY, new BearerToken("other", first.refreshAt()));
        assertThat(cache.tokenFor(KEY, () -> fetch(Duration.ofMinutes(5))).join()).isEqualTo(first);

        cache.invalidate(KEY, first);
        assertThat(cache.tokenFor(KEY, () -> fetch(Duration.ofMinutes(5))).join().token()).isEqualTo("t2");
    }

    @Test
    void parsesTokenResponses() throws Exception {
        BearerToken docker = BearerToken.parse(json("{\"token\":\"abc\",\"access_token\":\"abc\",\"expires_in\":300,"
                + "\"issued_at\":\"2024-12-31T23:59:00.123456789Z\"}"), T0);
        assertThat(docker.token()).isEqualTo("abc");
        // Counted from issued_at (a minute ago), less the 10 s margin.
        assertThat(docker.refreshAt()).isEqualTo(Instant.parse("2024-12-31T23:59:00.123456789Z").plusSeconds(290));

        BearerToken minimal = BearerToken.parse(json("{\"access_token\":\"xyz\"}"), T0);
        assertThat(minimal.token()).isEqualTo("xyz");
        assertThat(minimal.refreshAt()).isEqualTo(T0.plusSeconds(50)); // default 60 s lifetime

        BearerToken future = BearerToken.parse(json("{\"token\":\"f\",\"expires_in\":100,\"issued_at\":\"2030-01-01T00:00:00+02:00\"}"), T0);
        assertThat(future.refreshAt()).isEqualTo(T0.plusSeconds(90));
        assertThat(future.toString()).doesNotContain("f\"").doesNotContain("token=");

        assertThatThrownBy(() -> BearerToken.parse(json("{\"nope\":1}"), T0)).isInstanceOf(UpstreamException.class);
        assertThatThrownBy(() -> BearerToken.parse(json("<html>"), T0)).isInstanceOf(UpstreamException.class);
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
