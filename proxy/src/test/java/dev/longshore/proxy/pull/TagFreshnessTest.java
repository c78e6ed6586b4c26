package dev.longshore.proxy.pull;

import dev.longshore.proxy.testing.LeakWatcher;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.storage.Digest;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.longshore.proxy.pull.Mirror.OCI_MANIFEST;
import static dev.longshore.proxy.pull.Mirror.cacheStatus;
import static dev.longshore.proxy.pull.Mirror.firstError;
import static dev.longshore.proxy.pull.Mirror.manifest;
import static dev.longshore.proxy.pull.Mirror.manifestGet;
import static dev.longshore.proxy.pull.Mirror.manifestHead;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tags against their TTL, on an injected clock: what is answered from the cache, what costs an upstream HEAD, what
 * costs a GET, and what is served stale when the upstream cannot be asked.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakWatcher.class)
class TagFreshnessTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Duration PAST_TTL = TTL.plusSeconds(1);
    private static final byte[] V1 = manifest("v1");
    private static final byte[] V2 = manifest("v2");

    @TempDir
    Path data;
    private CountingUpstream upstream;
    private Mirror mirror;

    @BeforeEach
    void start() throws Exception {
        upstream = new CountingUpstream();
        startMirror(Mirror.upstream("registry.test", upstream.url()));
    }

    private void startMirror(UpstreamSettings settings) throws Exception {
        if (mirror != null) {
            mirror.close();
        }
        mirror = Mirror.start(data, List.of(settings), TTL, false);
    }

    @AfterEach
    void stop() {
        mirror.close();
        upstream.close();
    }

    private HttpResponse<byte[]> get(String tag) throws Exception {
        return mirror.send("GET", "/v2/app/manifests/" + tag, "Accept", OCI_MANIFEST);
    }

    private RecordedRequest taken() throws InterruptedException {
        return upstream.server.takeRequest(5, TimeUnit.SECONDS);
    }

    @Test
    void tag_withinTtl_isAnsweredFromTheCache_withNoUpstreamRequest() throws Exception {
        upstream.server.enqueue(manifestGet(V1));
        assertThat(cacheStatus(get("1"))).isEqualTo("Longshore; fwd=miss");

        mirror.clock.advance(TTL.minusSeconds(1));
        HttpResponse<byte[]> again = get("1");
        HttpResponse<byte[]> head = mirror.send("HEAD", "/v2/app/manifests/1");

        assertThat(again.body()).isEqualTo(V1);
        assertThat(cacheStatus(again)).isEqualTo("Longshore; hit");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Docker-Content-Digest")).contains(Digest.sha256Of(V1).toString());
        assertThat(upstream.requests()).isEqualTo(1);
    }

    @Test
    void tag_afterTtl_unchanged_costsOneHeadAndNoGet_andIsFreshAgain() throws Exception {
        upstream.server.enqueue(manifestGet(V1));
        get("1");
        taken();

        mirror.clock.advance(PAST_TTL);
        upstream.server.enqueue(manifestHead(V1));
        HttpResponse<byte[]> revalidated = get("1");

        assertThat(revalidated.body()).isEqualTo(V1);
        assertThat(cacheStatus(revalidated)).isEqualTo("Longshore; hit; detail=revalidated");
        RecordedRequest head = taken();
        assertThat(head.getMethod()).isEqualTo("HEAD");
        assertThat(head.getUrl().encodedPath()).isEqualTo("/v2/app/manifests/1");
        assertThat(upstream.requests()).isEqualTo(2);

        mirror.clock.advance(TTL.minusSeconds(1));
        assertThat(cacheStatus(get("1"))).isEqualTo("Longshore; hit");
        assertThat(upstream.requests()).isEqualTo(2);
    }

    @Test
    void tag_movedUpstream_afterTtl_givesTheNewDigest() throws Exception {
        upstream.server.enqueue(manifestGet(V1));
        get("latest");
        mirror.clock.advance(Duration.ofMinutes(2));
        assertThat(get("latest").body()).isEqualTo(V1); // still within the TTL: the move is not seen yet

        mirror.clock.advance(Duration.ofMinutes(4));
        upstream.server.enqueue(manifestHead(V2));
        upstream.server.enqueue(manifestGet(V2));
        HttpResponse<byte[]> moved = get("latest");

        assertThat(moved.body()).isEqualTo(V2);
        assertThat(moved.headers().firstValue("Docker-Content-Digest")).contains(Digest.sha256Of(V2).toString());
        assertThat(cacheStatus(moved)).isEqualTo("Longshore; fwd=miss");
        taken();
        assertThat(taken().getMethod()).isEqualTo("HEAD");
        assertThat(taken().getMethod()).isEqualTo("GET");
        assertThat(get("latest").body()).isEqualTo(V2);
        assertThat(upstream.requests()).isEqualTo(3);
    }

    @Test
    void clientHead_missOrPastTtl_neverBecomesAnUpstreamGet() throws Exception {
        upstream.server.enqueue(manifestHead(V1));
        HttpResponse<byte[]> miss = mirror.send("HEAD", "/v2/app/manifests/1");
        assertThat(miss.statusCode()).isEqualTo(200);
        assertThat(miss.headers().firstValue("Docker-Content-Digest")).contains(Digest.sha256Of(V1).toString());
        assertThat(taken().getMethod()).isEqualTo("HEAD");

        upstream.server.enqueue(manifestGet(V1));
        mirror.send("GET", "/v2/app/manifests/" + Digest.sha256Of(V1)); // docker's next step: GET by digest
        taken();

        mirror.clock.advance(PAST_TTL);
        upstream.server.enqueue(manifestHead(V2));
        HttpResponse<byte[]> moved = mirror.send("HEAD", "/v2/app/manifests/1");
        assertThat(moved.statusCode()).isEqualTo(200);
        assertThat(moved.headers().firstValue("Docker-Content-Digest")).contains(Digest.sha256Of(V2).toString());
        assertThat(taken().getMethod()).isEqualTo("HEAD");
        assertThat(upstream.requests()).isEqualTo(3);
    }

    @Test
    void tag_upstreamDownAfterTtl_isServedStale_withTheHeader_andCounted() throws Exception {
        upstream.server.enqueue(manifestGet(V1));
        get("1");
        upstream.close();

        mirror.clock.advance(Duration.ofDays(30));
        HttpResponse<byte[]> stale = get("1");

        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(V1);
        assertThat(cacheStatus(stale)).isEqualTo("Longshore; fwd=stale");
        assertThat(mirror.server.meterRegistry().counter(StaleServes.METER, "upstream", "registry.test", "kind", "tag").count())
                .isEqualTo(1.0);
    }

    @Test
    void tag_upstream429Or503AfterTtl_isServedStale() throws Exception {
        upstream.server.enqueue(manifestGet(V1));
        get("1");

        mirror.clock.advance(PAST_TTL);
        upstream.server.enqueue(new MockResponse.Builder().code(429).build());
        HttpResponse<byte[]> limited = get("1");
        upstream.server.enqueue(new MockResponse.Builder().code(503).build());
        HttpResponse<byte[]> unavailable = get("1");

        assertThat(limited.body()).isEqualTo(V1);
        assertThat(cacheStatus(limited)).isEqualTo("Longshore; fwd=stale");
        assertThat(unavailable.body()).isEqualTo(V1);
        assertThat(cacheStatus(unavailable)).isEqualTo("Longshore; fwd=stale");
    }

    @Test
    void tag_gone404AfterTtl_isManifestUnknown_notStale() throws Exception {
        upstream.server.enqueue(manifestGet(V1));
        get("1");

        mirror.clock.advance(PAST_TTL);
        upstream.server.enqueue(new MockResponse.Builder().code(404).build());
        HttpResponse<byte[]> gone = get("1");

        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(firstError(gone).get("code").asText()).isEqualTo("MANIFEST_UNKNOWN");
    }

    @Test
    void tag_upstreamDownPastMaxStale_isAnError() throws Exception {
        startMirror(Mirror.upstream("registry.test", upstream.url()).withMaxStale(Duration.ofHours(1)));
        upstream.server.enqueue(manifestGet(V1));
        get("1");
        upstream.close();

        mirror.clock.advance(TTL.plus(Duration.ofMinutes(59)));
        assertThat(cacheStatus(get("1"))).isEqualTo("Longshore; fwd=stale");

        mirror.clock.advance(Duration.ofMinutes(2));
        HttpResponse<byte[]> tooOld = get("1");
        assertThat(tooOld.statusCode()).isEqualTo(502);
        assertThat(firstError(tooOld).get("code").asText()).isEqualTo("UPSTREAM_UNAVAILABLE");
        assertThat(firstError(tooOld).get("detail").asText()).contains("maxStale");
    }

    @Test
    void tag_lowRateLimitRemaining_isServedFromTheCachePastTtl_untilTheWindowEnds() throws Exception {
        upstream.server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", OCI_MANIFEST)
                .addHeader("ratelimit-limit", "100;w=21600").addHeader("ratelimit-remaining", "3;w=21600")
                .body(new okio.Buffer().write(V1)).build());
        get("1");

        mirror.clock.advance(Duration.ofHours(1));
        HttpResponse<byte[]> saved = get("1");
        assertThat(saved.body()).isEqualTo(V1);
        assertThat(cacheStatus(saved)).isEqualTo("Longshore; hit; detail=quota-low");
        assertThat(upstream.requests()).isEqualTo(1);

        mirror.clock.advance(Duration.ofHours(6)); // the quota's window has passed: ask again
        upstream.server.enqueue(manifestHead(V1).newBuilder().addHeader("ratelimit-remaining", "99;w=21600").build());
        assertThat(cacheStatus(get("1"))).isEqualTo("Longshore; hit; detail=revalidated");
        assertThat(upstream.requests()).isEqualTo(2);
    }

    @Test
    void tag_healthyRateLimitRemaining_revalidatesAsUsual() throws Exception {
        upstream.server.enqueue(manifestGet(V1).newBuilder()
                .addHeader("ratelimit-limit", "100;w=21600").addHeader("ratelimit-remaining", "76;w=21600").build());
        get("1");

        mirror.clock.advance(PAST_TTL);
        upstream.server.enqueue(manifestHead(V1));
        assertThat(cacheStatus(get("1"))).isEqualTo("Longshore; hit; detail=revalidated");
        assertThat(upstream.requests()).isEqualTo(2);
    }

    @Test
    void manifestByDigest_onceCached_neverGoesUpstream_evenLongPastTheTtl() throws Exception {
        Digest digest = Digest.sha256Of(V1);
        upstream.server.enqueue(manifestGet(V1));
        mirror.send("GET", "/v2/app/manifests/" + digest);

        mirror.clock.advance(Duration.ofDays(365));
        HttpResponse<byte[]> hit = mirror.send("GET", "/v2/app/manifests/" + digest);
        assertThat(hit.body()).isEqualTo(V1);
        assertThat(cacheStatus(hit)).isEqualTo("Longshore; hit");
        assertThat(upstream.requests()).isEqualTo(1);
    }

    @Test
    void get_concurrentRequestsForOneTag_makeOneUpstreamRequest() throws Exception {
        // Held long enough for every client to arrive while the first request is still out.
        upstream.server.enqueue(manifestGet(V1).newBuilder().headersDelay(1, TimeUnit.SECONDS).build());
        List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            responses.add(mirror.sendAsync("GET", "/v2/app/manifests/1", "Accept", OCI_MANIFEST));
        }
        for (CompletableFuture<HttpResponse<byte[]>> response : responses) {
            assertThat(response.get(20, TimeUnit.SECONDS).body()).isEqualTo(V1);
        }
        assertThat(upstream.requests()).isEqualTo(1);
        assertThat(responses.stream().map(r -> cacheStatus(r.join())))
                .contains("Longshore; fwd=miss")
                .contains("Longshore; fwd=miss; collapsed");
    }

    @Test
    void cosignSignatureAndAttestationTags_workAsOrdinaryTags() throws Exception {
        String hex = Digest.sha256Of(V1).toString().substring("sha256:".length());
        for (String tag : List.of("sha256-" + hex + ".sig", "sha256-" + hex + ".att")) {
            byte[] signature = manifest("signature " + tag);
            upstream.server.enqueue(manifestGet(signature));
            HttpResponse<byte[]> miss = get(tag);
            assertThat(miss.statusCode()).as(tag).isEqualTo(200);
            assertThat(miss.body()).isEqualTo(signature);
            assertThat(taken().getUrl().encodedPath()).isEqualTo("/v2/app/manifests/" + tag);
            assertThat(cacheStatus(get(tag))).isEqualTo("Longshore; hit");
        }
        assertThat(upstream.requests()).isEqualTo(2);
    }
}
