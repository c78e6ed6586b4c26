package dev.longshore.proxy.pull;

import dev.longshore.proxy.testing.LeakWatcher;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.longshore.proxy.pull.Mirror.JSON;
import static dev.longshore.proxy.pull.Mirror.cacheStatus;
import static dev.longshore.proxy.pull.Mirror.manifest;
import static org.assertj.core.api.Assertions.assertThat;

/** The OCI referrers API through the mirror: passed through, filtered, cached like a tag, and empty where unsupported. */
@org.junit.jupiter.api.extension.ExtendWith(LeakWatcher.class)
class ReferrersTest {
    private static final String INDEX = "application/vnd.oci.image.index.v1+json";
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Digest SUBJECT = Digest.sha256Of(manifest("subject"));
    private static final String SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json";
    private static final String SBOM = "application/spdx+json";
    private static final String REFERRERS = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":10,"artifactType":"%s"},
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":20,"artifactType":"%s"}]}
            """.formatted("1".repeat(64), SIGNATURE, "2".repeat(64), SBOM);

    @TempDir
    Path data;
    private CountingUpstream upstream;
    private Mirror mirror;

    @BeforeEach
    void start() throws Exception {
        upstream = new CountingUpstream();
        mirror = Mirror.start(data, List.of(Mirror.upstream("registry.test", upstream.url())), TTL, false);
    }

    @AfterEach
    void stop() {
        mirror.close();
        upstream.close();
    }

    private static MockResponse referrers(String body) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", INDEX).body(body).build();
    }

    @Test
    void referrers_arePassedThrough_thenCachedForTheTtl_thenAskedAgain() throws Exception {
        upstream.server.enqueue(referrers(REFERRERS));

        HttpResponse<byte[]> miss = mirror.send("GET", "/v2/app/referrers/" + SUBJECT);
        assertThat(miss.statusCode()).isEqualTo(200);
        assertThat(miss.headers().firstValue("Content-Type")).contains(INDEX);
        assertThat(JSON.readTree(miss.body())).isEqualTo(JSON.readTree(REFERRERS));
        assertThat(cacheStatus(miss)).isEqualTo("Longshore; fwd=miss");
        RecordedRequest asked = upstream.server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(asked.getUrl().encodedPath()).isEqualTo("/v2/app/referrers/" + SUBJECT);

        mirror.clock.advance(TTL.minusSeconds(1));
        HttpResponse<byte[]> hit = mirror.send("GET", "/v2/app/referrers/" + SUBJECT);
        assertThat(hit.body()).isEqualTo(miss.body());
        assertThat(cacheStatus(hit)).isEqualTo("Longshore; hit");
        assertThat(upstream.requests()).isEqualTo(1);

        mirror.clock.advance(Duration.ofSeconds(2));
        upstream.server.enqueue(referrers("{\"schemaVersion\":2,\"mediaType\":\"" + INDEX + "\",\"manifests\":[]}"));
        HttpResponse<byte[]> refreshed = mirror.send("GET", "/v2/app/referrers/" + SUBJECT);
        assertThat(JSON.readTree(refreshed.body()).get("manifests").size()).isZero();
        assertThat(upstream.requests()).isEqualTo(2);
    }

    @Test
    void artifactTypeFilter_isPassedThrough_andAppliedWhenTheUpstreamDidNot() throws Exception {
        upstream.server.enqueue(referrers(REFERRERS)); // an upstream that ignores the filter

        HttpResponse<byte[]> filtered = mirror.send("GET", "/v2/app/referrers/" + SUBJECT + "?artifactType=" + SBOM.replace("+", "%2B"));

        RecordedRequest asked = upstream.server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(asked.getUrl().queryParameter("artifactType")).isEqualTo(SBOM);
        assertThat(filtered.headers().firstValue("OCI-Filters-Applied")).contains("artifactType");
        JsonNode manifests = JSON.readTree(filtered.body()).get("manifests");
        assertThat(manifests.size()).isEqualTo(1);
        assertThat(manifests.get(0).get("artifactType").asText()).isEqualTo(SBOM);

        // Cached by digest and filter: the unfiltered list is another entry, and asks the upstream.
        upstream.server.enqueue(referrers(REFERRERS));
        assertThat(JSON.readTree(mirror.send("GET", "/v2/app/referrers/" + SUBJECT).body()).get("manifests").size()).isEqualTo(2);
        assertThat(cacheStatus(mirror.send("GET", "/v2/app/referrers/" + SUBJECT + "?artifactType=" + SBOM.replace("+", "%2B"))))
                .isEqualTo("Longshore; hit");
        assertThat(upstream.requests()).isEqualTo(2);
    }

    @Test
    void upstreamWithoutReferrersApi_404_isAnEmptyIndex() throws Exception {
        upstream.server.enqueue(new MockResponse.Builder().code(404).build());

        HttpResponse<byte[]> response = mirror.send("GET", "/v2/app/referrers/" + SUBJECT);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(INDEX);
        JsonNode index = JSON.readTree(response.body());
        assertThat(index.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.get("mediaType").asText()).isEqualTo(INDEX);
        assertThat(index.get("manifests").isArray()).isTrue();
        assertThat(index.get("manifests").size()).isZero();
    }

    @Test
    void referrers_upstreamDownAfterTtl_areServedStale() throws Exception {
        upstream.server.enqueue(referrers(REFERRERS));
        mirror.send("GET", "/v2/app/referrers/" + SUBJECT);
        upstream.close();

        mirror.clock.advance(TTL.plusSeconds(1));
        HttpResponse<byte[]> stale = mirror.send("GET", "/v2/app/referrers/" + SUBJECT);
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(stale.body()).get("manifests").size()).isEqualTo(2);
        assertThat(cacheStatus(stale)).isEqualTo("Longshore; fwd=stale");
    }

    @Test
    void referrersEntries_doNotShowUpAsTags() throws Exception {
        upstream.server.enqueue(referrers(REFERRERS));
        mirror.send("GET", "/v2/app/referrers/" + SUBJECT);
        assertThat(mirror.server.storage().index().tags("registry.test", "app")).isEmpty();
    }
}
