package dev.longshore.proxy.pull;

import dev.longshore.proxy.testing.LeakWatcher;
import dev.longshore.storage.Digest;
import mockwebserver3.MockResponse;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.longshore.proxy.pull.Mirror.OCI_MANIFEST;
import static dev.longshore.proxy.pull.Mirror.cacheStatus;
import static dev.longshore.proxy.pull.Mirror.firstError;
import static dev.longshore.proxy.pull.Mirror.manifest;
import static dev.longshore.proxy.pull.Mirror.manifestGet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code --offline}: the cache is seeded by an online run on the same data dir, then an offline run serves it and
 * opens no upstream connection at all, for hits and misses of every kind.
 */
@org.junit.jupiter.api.extension.ExtendWith(LeakWatcher.class)
class OfflineTest {
    private static final byte[] MANIFEST = manifest("seeded");
    private static final byte[] BLOB = "seeded layer".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path data;
    private CountingUpstream upstream;
    private Mirror offline;

    @BeforeEach
    void seedThenGoOffline() throws Exception {
        upstream = new CountingUpstream();
        try (Mirror online = Mirror.start(data, List.of(Mirror.upstream("registry.test", upstream.url())), Duration.ofMinutes(5), false)) {
            upstream.server.enqueue(manifestGet(MANIFEST));
            upstream.server.enqueue(new MockResponse.Builder().code(200).body(new Buffer().write(BLOB)).build());
            assertThat(online.send("GET", "/v2/app/manifests/1", "Accept", OCI_MANIFEST).statusCode()).isEqualTo(200);
            assertThat(online.send("GET", "/v2/app/blobs/" + Digest.sha256Of(BLOB)).body()).isEqualTo(BLOB);
            await().atMost(Duration.ofSeconds(10)).until(() -> online.server.storage().findBlob(Digest.sha256Of(BLOB)).isPresent());
        }
        offline = Mirror.start(data, List.of(Mirror.upstream("registry.test", upstream.url())), Duration.ofMinutes(5), true);
        offline.clock.advance(Duration.ofDays(90)); // long past every TTL
    }

    @AfterEach
    void stop() {
        offline.close();
        upstream.close();
    }

    @Test
    void offline_servesTheCache_pastTheTtl_withoutAnyConnection() throws Exception {
        int connectionsWhenSeeded = upstream.connections();

        HttpResponse<byte[]> tag = offline.send("GET", "/v2/app/manifests/1");
        HttpResponse<byte[]> blob = offline.send("GET", "/v2/app/blobs/" + Digest.sha256Of(BLOB));

        assertThat(tag.statusCode()).isEqualTo(200);
        assertThat(tag.body()).isEqualTo(MANIFEST);
        assertThat(cacheStatus(tag)).isEqualTo("Longshore; hit");
        assertThat(blob.body()).isEqualTo(BLOB);
        assertThat(offline.send("GET", "/v2/app/tags/list").statusCode()).isEqualTo(200);
        assertThat(upstream.connections()).isEqualTo(connectionsWhenSeeded);
    }

    @Test
    void offline_misses_are404SayingTheMirrorIsOffline_withoutAnyConnection() throws Exception {
        int connectionsWhenSeeded = upstream.connections();
        int requestsWhenSeeded = upstream.requests();
        Digest unknown = Digest.sha256Of("not cached".getBytes(StandardCharsets.UTF_8));

        assertOfflineMiss(offline.send("GET", "/v2/app/manifests/2"), "MANIFEST_UNKNOWN");
        assertOfflineMiss(offline.send("HEAD", "/v2/app/manifests/2"), null);
        assertOfflineMiss(offline.send("GET", "/v2/app/manifests/" + unknown), "MANIFEST_UNKNOWN");
        assertOfflineMiss(offline.send("GET", "/v2/app/blobs/" + unknown), "BLOB_UNKNOWN");
        assertOfflineMiss(offline.send("HEAD", "/v2/app/blobs/" + unknown), null);
        assertOfflineMiss(offline.send("GET", "/v2/other/tags/list"), "NAME_UNKNOWN");
        assertOfflineMiss(offline.send("GET", "/v2/app/referrers/" + unknown), "MANIFEST_UNKNOWN");

        assertThat(upstream.requests()).isEqualTo(requestsWhenSeeded);
        assertThat(upstream.connections()).isEqualTo(connectionsWhenSeeded);
    }

    private static void assertOfflineMiss(HttpResponse<byte[]> response, String code) throws Exception {
        assertThat(response.statusCode()).isEqualTo(404);
        if (code != null) { // a HEAD answer has no body to read the error from
            assertThat(firstError(response).get("code").asText()).isEqualTo(code);
            assertThat(firstError(response).get("detail").asText()).contains("offline");
        }
    }
}
