package dev.longshore.proxy.pull;

import dev.longshore.proxy.testing.LeakWatcher;
import dev.longshore.storage.Digest;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.longshore.proxy.pull.Mirror.cacheStatus;
import static dev.longshore.proxy.pull.Mirror.firstError;
import static dev.longshore.proxy.pull.Mirror.manifest;
import static dev.longshore.proxy.pull.Mirror.manifestGet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many registries behind one endpoint: containerd's {@code ns} parameter and a path prefix pick the upstream, anything
 * else goes to the default, and a registry that is not configured is refused without a connection anywhere.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakWatcher.class)
class UpstreamRoutingTest {
    @TempDir
    Path data;
    private CountingUpstream hub;
    private CountingUpstream ghcr;
    private CountingUpstream lab;
    private Mirror mirror;

    @BeforeEach
    void start() throws Exception {
        hub = new CountingUpstream();
        ghcr = new CountingUpstream();
        lab = new CountingUpstream();
        mirror = Mirror.start(data, List.of(
                Mirror.upstream("docker.io", hub.url()),
                Mirror.upstream("ghcr.io", ghcr.url()),
                Mirror.upstream("registry.lab:5000", lab.url())), Duration.ofMinutes(5), false);
    }

    @AfterEach
    void stop() {
        mirror.close();
        hub.close();
        ghcr.close();
        lab.close();
    }

    private static String askedPath(CountingUpstream upstream) throws InterruptedException {
        RecordedRequest request = upstream.server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request).as("a request to the upstream").isNotNull();
        return request.getUrl().encodedPath();
    }

    @Test
    void ns_picksTheUpstreamOfThatName_andDockerHubNamesGetLibrary() throws Exception {
        ghcr.server.enqueue(manifestGet(manifest("ghcr")));
        hub.server.enqueue(manifestGet(manifest("hub")));

        HttpResponse<byte[]> fromGhcr = mirror.send("GET", "/v2/org/app/manifests/1?ns=ghcr.io");
        HttpResponse<byte[]> fromHub = mirror.send("GET", "/v2/alpine/manifests/3?ns=docker.io");

        assertThat(fromGhcr.body()).isEqualTo(manifest("ghcr"));
        assertThat(askedPath(ghcr)).isEqualTo("/v2/org/app/manifests/1");
        assertThat(fromHub.body()).isEqualTo(manifest("hub"));
        assertThat(askedPath(hub)).isEqualTo("/v2/library/alpine/manifests/3");
        assertThat(lab.connections()).isZero();
    }

    @Test
    void ns_matchesRegistryNamesWhateverTheirCase() throws Exception {
        ghcr.server.enqueue(manifestGet(manifest("ghcr")));

        assertThat(mirror.send("GET", "/v2/org/app/manifests/1?ns=GHCR.IO").body()).isEqualTo(manifest("ghcr"));
        assertThat(askedPath(ghcr)).isEqualTo("/v2/org/app/manifests/1");
    }

    @Test
    void pathPrefix_picksTheUpstreamOfThatName_includingOneWithAPort() throws Exception {
        ghcr.server.enqueue(manifestGet(manifest("ghcr")));
        hub.server.enqueue(manifestGet(manifest("hub")));
        lab.server.enqueue(manifestGet(manifest("lab")));

        assertThat(mirror.send("GET", "/v2/ghcr.io/org/app/manifests/1").body()).isEqualTo(manifest("ghcr"));
        assertThat(mirror.send("GET", "/v2/docker.io/alpine/manifests/3").body()).isEqualTo(manifest("hub"));
        assertThat(mirror.send("GET", "/v2/registry.lab:5000/team/app/manifests/2").body()).isEqualTo(manifest("lab"));

        assertThat(askedPath(ghcr)).isEqualTo("/v2/org/app/manifests/1");
        assertThat(askedPath(hub)).isEqualTo("/v2/library/alpine/manifests/3");
        assertThat(askedPath(lab)).isEqualTo("/v2/team/app/manifests/2");
    }

    @Test
    void noRegistryNamed_goesToTheDefaultUpstream_evenWithDotsInALaterSegment() throws Exception {
        hub.server.enqueue(manifestGet(manifest("a")));
        hub.server.enqueue(manifestGet(manifest("b")));

        assertThat(mirror.send("GET", "/v2/team/app/manifests/1").statusCode()).isEqualTo(200);
        assertThat(mirror.send("GET", "/v2/my.app/manifests/1").statusCode()).isEqualTo(200); // one segment: a repository

        assertThat(askedPath(hub)).isEqualTo("/v2/team/app/manifests/1");
        assertThat(askedPath(hub)).isEqualTo("/v2/library/my.app/manifests/1");
        assertThat(ghcr.connections() + lab.connections()).isZero();
    }

    @Test
    void sameRepositoryAndTag_onTwoUpstreams_areDifferentTags() throws Exception {
        hub.server.enqueue(manifestGet(manifest("hub")));
        ghcr.server.enqueue(manifestGet(manifest("ghcr")));

        assertThat(mirror.send("GET", "/v2/library/alpine/manifests/3?ns=docker.io").body()).isEqualTo(manifest("hub"));
        assertThat(mirror.send("GET", "/v2/library/alpine/manifests/3?ns=ghcr.io").body()).isEqualTo(manifest("ghcr"));

        HttpResponse<byte[]> hubAgain = mirror.send("GET", "/v2/library/alpine/manifests/3");
        HttpResponse<byte[]> ghcrAgain = mirror.send("GET", "/v2/ghcr.io/library/alpine/manifests/3");
        assertThat(hubAgain.body()).isEqualTo(manifest("hub"));
        assertThat(cacheStatus(hubAgain)).isEqualTo("Longshore; hit");
        assertThat(ghcrAgain.body()).isEqualTo(manifest("ghcr"));
        assertThat(cacheStatus(ghcrAgain)).isEqualTo("Longshore; hit");
        assertThat(hub.requests() + ghcr.requests()).isEqualTo(2);
    }

    @Test
    void blobs_areSharedByDigest_acrossUpstreams() throws Exception {
        byte[] blob = "a layer".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Digest digest = Digest.sha256Of(blob);
        ghcr.server.enqueue(new MockResponse.Builder().code(200).body(new Buffer().write(blob)).build());

        assertThat(mirror.send("GET", "/v2/ghcr.io/org/app/blobs/" + digest).body()).isEqualTo(blob);
        assertThat(askedPath(ghcr)).isEqualTo("/v2/org/app/blobs/" + digest);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> mirror.server.storage().findBlob(digest).isPresent());

        HttpResponse<byte[]> fromHubName = mirror.send("GET", "/v2/library/other/blobs/" + digest);
        assertThat(fromHubName.body()).isEqualTo(blob);
        assertThat(cacheStatus(fromHubName)).isEqualTo("Longshore; hit");
        assertThat(hub.connections()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/v2/library/alpine/manifests/3?ns=quay.io",
            "/v2/library/alpine/blobs/sha256:" + "a" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde" + "?ns=evil.example.com",
            "/v2/quay.io/org/app/manifests/1",
            "/v2/evil.example.com/org/app/blobs/sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "/v2/localhost:5000/app/manifests/1",
            "/v2/localhost/app/manifests/1",
            "/v2/127.0.0.1:5000/app/tags/list",
    })
    void unconfiguredRegistry_isNameUnknown_withNoConnectionAnywhere(String path) throws Exception {
        HttpResponse<byte[]> response = mirror.send("GET", path);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(firstError(response).get("code").asText()).isEqualTo("NAME_UNKNOWN");
        assertThat(hub.connections() + ghcr.connections() + lab.connections()).isZero();
    }

    @Test
    void apiBase_withAnyNs_isTheVersionCheck() throws Exception {
        assertThat(mirror.send("GET", "/v2/?ns=quay.io").statusCode()).isEqualTo(200);
        assertThat(hub.connections() + ghcr.connections() + lab.connections()).isZero();
    }
}
