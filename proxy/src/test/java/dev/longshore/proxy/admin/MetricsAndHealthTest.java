package dev.longshore.proxy.admin;

import dev.longshore.proxy.testing.LeakWatcher;
import dev.longshore.config.AccessLogTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.longshore.proxy.admin.AdminHarness.parse;
import static dev.longshore.proxy.admin.AdminHarness.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(LeakWatcher.class)
class MetricsAndHealthTest {
    @TempDir
    Path data;

    private AdminHarness harness;

    @BeforeEach
    void start() throws Exception {
        harness = new AdminHarness(data, 64 * 1024, AccessLogTarget.OFF);
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void metrics_afterOneMissAndOneHit_showExactlyThoseCounts() throws Exception {
        String blob = harness.upstream.blobPath(harness.upstream.layerDigest);
        HttpResponse<byte[]> miss = harness.pull("GET", blob);
        assertThat(miss.headers().firstValue("Cache-Status")).contains("Longshore; fwd=miss");
        // The fill commits after the last byte went out; the next GET is a hit only once it has.
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.server.storage().findBlob(harness.upstream.layerDigest).isPresent());
        HttpResponse<byte[]> hit = harness.pull("GET", blob);
        assertThat(hit.headers().firstValue("Cache-Status")).contains("Longshore; hit");
        assertThat(hit.body()).isEqualTo(harness.upstream.layer);

        // A response is counted once its last byte is written, which may be just after the client has read it.
        await().atMost(Duration.ofSeconds(5)).until(() ->
                sample(parse(harness.scrape()), "longshore_requests_seconds_count", "route=blob") == 2);
        String exposition = harness.scrape();
        Map<String, Double> samples = parse(exposition);
        assertThat(sample(samples, "longshore_cache_requests_total", "route=blob", "result=miss")).isEqualTo(1.0);
        assertThat(sample(samples, "longshore_cache_requests_total", "route=blob", "result=hit")).isEqualTo(1.0);
        assertThat(sample(samples, "longshore_cache_requests_total", "result=stale")).isEqualTo(0.0);
        assertThat(sample(samples, "longshore_requests_seconds_count", "route=blob", "method=GET", "status=2xx")).isEqualTo(2.0);
        assertThat(sample(samples, "longshore_upstream_requests_seconds_count", "upstream=registry.test", "status=2xx")).isEqualTo(1.0);
        assertThat(sample(samples, "longshore_fills_started_total")).isEqualTo(1.0);
        assertThat(sample(samples, "longshore_served_bytes_total", "source=disk")).isGreaterThan(harness.upstream.layer.length);
        assertThat(sample(samples, "longshore_served_bytes_total", "source=upstream")).isGreaterThan(harness.upstream.layer.length);
        assertThat(sample(samples, "longshore_cache_bytes")).isEqualTo((double) harness.upstream.layer.length);
        assertThat(sample(samples, "longshore_cache_blobs")).isEqualTo(1.0);
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("longshore_netty_allocator_direct_bytes"));
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("longshore_upstream_ratelimit_remaining{upstream=\"registry.test\""));
        // Low cardinality by rule: no repository, digest or path in any series.
        assertThat(exposition).doesNotContain(harness.upstream.layerDigest.hex()).doesNotContain("team/app");
    }

    @Test
    void metrics_upstreamAnswers_countedByUpstreamAndStatusClass() throws Exception {
        HttpResponse<byte[]> unknown = harness.pull("GET", "/v2/team/missing/manifests/1");
        assertThat(unknown.statusCode()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                sample(parse(harness.scrape()), "longshore_requests_seconds_count", "route=manifest", "status=4xx") == 1);
        Map<String, Double> samples = parse(harness.scrape());
        assertThat(sample(samples, "longshore_upstream_requests_seconds_count", "upstream=registry.test", "status=4xx")).isEqualTo(1.0);
        assertThat(sample(samples, "longshore_cache_requests_total")).isEqualTo(0.0);
    }

    @Test
    void healthz_andReadyz_answerWhileServing() throws Exception {
        HttpResponse<byte[]> health = harness.admin("GET", "/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(AdminHarness.JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");

        HttpResponse<byte[]> ready = harness.admin("GET", "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        var body = AdminHarness.JSON.readTree(ready.body());
        assertThat(body.get("storage").asText()).isEqualTo("open");
        assertThat(body.get("upstreams").asInt()).isEqualTo(1);
        assertThat(body.get("accepting").asBoolean()).isTrue();

        assertThat(harness.admin("GET", "/metrics").headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        assertThat(harness.admin("GET", "/nothing").statusCode()).isEqualTo(404);
        assertThat(harness.admin("POST", "/metrics").statusCode()).isEqualTo(405);
    }
}
