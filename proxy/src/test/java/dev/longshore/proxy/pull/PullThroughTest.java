package dev.longshore.proxy.pull;

import dev.longshore.proxy.testing.MutableClock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.LongshoreServer;
import dev.longshore.storage.Digest;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The pull side end to end against a scripted upstream: what clients see, and what it cost upstream. The happy paths
 * against a real registry and real clients live in the {@code it} package; this one covers the answers a real
 * registry cannot be made to give on demand.
 */
class PullThroughTest {
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;
    private MockWebServer upstream;
    private LongshoreServer longshore;
    private final MutableClock clock = new MutableClock(java.time.Instant.parse("2025-01-01T00:00:00Z"));
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        upstream = new MockWebServer();
        upstream.start();
        longshore = LongshoreServer.start(new Settings(new HostPort("127.0.0.1", 0), data,
                List.of(new UpstreamSettings("registry.test", URI.create("http://127.0.0.1:" + upstream.getPort()),
                        java.util.Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(2)))), clock);
    }

    @AfterEach
    void stop() throws Exception {
        longshore.close();
        upstream.close();
    }

    private HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + longshore.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Sends {@code GET path} as raw bytes and returns the whole response as text. */
    private String rawGet(String path) throws IOException {
        return raw("GET " + path + " HTTP/1.1\r\nHost: mirror\r\nConnection: close\r\n\r\n");
    }

    /** Sends {@code request} as it is and returns everything the server answers until it closes, as text. */
    private String raw(String request) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", longshore.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode firstError(HttpResponse<byte[]> response) throws IOException {
        return JSON.readTree(response.body()).get("errors").get(0);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static MockResponse blobResponse(byte[] body) {
        return new MockResponse.Builder().code(200)
                .addHeader("Content-Type", "application/octet-stream")
                .body(new Buffer().write(body)).build();
    }

    @Test
    void apiBase_answersWithTheVersionHeader() throws Exception {
        HttpResponse<byte[]> response = send("GET", "/v2/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Docker-Distribution-API-Version")).contains("registry/2.0");
        assertThat(upstream.getRequestCount()).isZero();
    }

    @Test
    void manifestByTag_isFetchedOnce_thenServedByDigestFromTheCache() throws Exception {
        byte[] manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}".getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256Of(manifest);
        upstream.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", OCI_MANIFEST)
                .addHeader("Docker-Content-Digest", digest.toString()).body(new Buffer().write(manifest)).build());

        HttpResponse<byte[]> byTag = send("GET", "/v2/team/app/manifests/1.0", "Accept", OCI_MANIFEST);
        assertThat(byTag.statusCode()).isEqualTo(200);
        assertThat(byTag.body()).isEqualTo(manifest);
        assertThat(byTag.headers().firstValue("Content-Type")).contains(OCI_MANIFEST);
        assertThat(byTag.headers().firstValue("Docker-Content-Digest")).contains(digest.toString());
        assertThat(byTag.headers().firstValue("Cache-Status")).contains("Longshore; fwd=miss");
        RecordedRequest asked = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(asked.getUrl().encodedPath()).isEqualTo("/v2/team/app/manifests/1.0");
        assertThat(asked.getHeaders().get("Accept")).isEqualTo(OCI_MANIFEST);

        HttpResponse<byte[]> byDigest = send("GET", "/v2/team/app/manifests/" + digest);
        assertThat(byDigest.statusCode()).isEqualTo(200);
        assertThat(byDigest.body()).isEqualTo(manifest);
        assertThat(byDigest.headers().firstValue("Cache-Status")).contains("Longshore; hit");
        HttpResponse<byte[]> head = send("HEAD", "/v2/team/app/manifests/" + digest);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).contains(Integer.toString(manifest.length));
        assertThat(upstream.getRequestCount()).isEqualTo(1);
    }

    @Test
    void manifestByTag_upstreamDown_servesTheCachedTagAsStale() throws Exception {
        byte[] manifest = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        upstream.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", OCI_MANIFEST).body(new Buffer().write(manifest)).build());
        assertThat(send("GET", "/v2/app/manifests/latest").statusCode()).isEqualTo(200);

        upstream.close();
        clock.advance(Settings.DEFAULT_TAG_TTL); // within the TTL the cache answers without asking
        HttpResponse<byte[]> stale = send("GET", "/v2/app/manifests/latest");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(manifest);
        assertThat(stale.headers().firstValue("Cache-Status")).contains("Longshore; fwd=stale");
    }

    @Test
    void headByTagThenGetByDigest_likeDocker_leavesTheTagServableWhenUpstreamIsDown() throws Exception {
        byte[] manifest = "{\"schemaVersion\":2,\"layers\":[]}".getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256Of(manifest);
        upstream.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", OCI_MANIFEST)
                .addHeader("Docker-Content-Digest", digest.toString()).build());
        upstream.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", OCI_MANIFEST).body(new Buffer().write(manifest)).build());

        HttpResponse<byte[]> head = send("HEAD", "/v2/app/manifests/v1");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Docker-Content-Digest")).contains(digest.toString());
        assertThat(upstream.takeRequest(5, TimeUnit.SECONDS).getMethod()).isEqualTo("HEAD");
        assertThat(send("GET", "/v2/app/manifests/" + digest).body()).isEqualTo(manifest);

        upstream.close();
        clock.advance(Settings.DEFAULT_TAG_TTL);
        HttpResponse<byte[]> staleHead = send("HEAD", "/v2/app/manifests/v1");
        assertThat(staleHead.statusCode()).isEqualTo(200);
        assertThat(staleHead.headers().firstValue("Docker-Content-Digest")).contains(digest.toString());
        assertThat(staleHead.headers().firstValue("Cache-Status")).contains("Longshore; fwd=stale");
        assertThat(send("GET", "/v2/app/manifests/v1").body()).isEqualTo(manifest);
    }

    @Test
    void manifestByDigest_upstreamSendsOtherBytes_is502AndNotCached() throws Exception {
        byte[] manifest = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        Digest claimed = Digest.sha256Of("something else".getBytes(StandardCharsets.UTF_8));
        upstream.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", OCI_MANIFEST).body(new Buffer().write(manifest)).build());
        upstream.enqueue(new MockResponse.Builder().code(404).build());

        HttpResponse<byte[]> response = send("GET", "/v2/app/manifests/" + claimed);
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(firstError(response).get("detail").asText()).contains(claimed.toString());
        assertThat(send("GET", "/v2/app/manifests/" + claimed).statusCode()).isEqualTo(404);
    }

    @Test
    void manifest_upstream404_isManifestUnknown() throws Exception {
        upstream.enqueue(new MockResponse.Builder().code(404).build());
        HttpResponse<byte[]> response = send("GET", "/v2/app/manifests/nope");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(firstError(response).get("code").asText()).isEqualTo("MANIFEST_UNKNOWN");
    }

    @Test
    void blob_missIsStreamedAndCommitted_thenServedFromDiskWithRanges() throws Exception {
        byte[] blob = randomBytes(3 * 1024 * 1024 + 17, 1);
        Digest digest = Digest.sha256Of(blob);
        upstream.enqueue(blobResponse(blob));

        HttpResponse<byte[]> miss = send("GET", "/v2/app/blobs/" + digest);
        assertThat(miss.statusCode()).isEqualTo(200);
        assertThat(miss.body()).isEqualTo(blob);
        assertThat(miss.headers().firstValue("Docker-Content-Digest")).contains(digest.toString());
        assertThat(miss.headers().firstValue("Cache-Status")).contains("Longshore; fwd=miss");
        await().atMost(Duration.ofSeconds(10)).until(() -> longshore.storage().findBlob(digest).isPresent());

        HttpResponse<byte[]> hit = send("GET", "/v2/app/blobs/" + digest);
        assertThat(hit.body()).isEqualTo(blob);
        assertThat(hit.headers().firstValue("Cache-Status")).contains("Longshore; hit");

        HttpResponse<byte[]> range = send("GET", "/v2/app/blobs/" + digest, "Range", "bytes=100-199");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Range")).contains("bytes 100-199/" + blob.length);
        assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(blob, 100, 200));

        HttpResponse<byte[]> sameVersion = send("GET", "/v2/app/blobs/" + digest, "Range", "bytes=100-199", "If-Range", "\"" + digest + "\"");
        assertThat(sameVersion.statusCode()).isEqualTo(206);
        HttpResponse<byte[]> otherVersion = send("GET", "/v2/app/blobs/" + digest, "Range", "bytes=100-199", "If-Range", "\"sha256:other\"");
        assertThat(otherVersion.statusCode()).isEqualTo(200);
        assertThat(otherVersion.body()).isEqualTo(blob);

        HttpResponse<byte[]> outside = send("GET", "/v2/app/blobs/" + digest, "Range", "bytes=" + blob.length + "-");
        assertThat(outside.statusCode()).isEqualTo(416);
        assertThat(outside.headers().firstValue("Content-Range")).contains("bytes */" + blob.length);

        HttpResponse<byte[]> head = send("HEAD", "/v2/app/blobs/" + digest);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).contains(Integer.toString(blob.length));
        assertThat(upstream.getRequestCount()).isEqualTo(1);
    }

    @Test
    void blob_upstreamSendsWrongBytesOfTheRightLength_noClientGetsACompleteBody_andNothingIsCached() throws Exception {
        byte[] blob = randomBytes(512 * 1024, 2);
        byte[] corrupt = blob.clone();
        corrupt[corrupt.length / 2] ^= 1;
        Digest digest = Digest.sha256Of(blob);
        upstream.enqueue(blobResponse(corrupt));

        assertThatThrownBy(() -> send("GET", "/v2/app/blobs/" + digest)).isInstanceOf(IOException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> longshore.fills().inFlight() == 0);
        assertThat(longshore.storage().findBlob(digest)).isEmpty();
        try (var temp = Files.list(data.resolve("tmp"))) {
            assertThat(temp).isEmpty();
        }
    }

    @Test
    void blob_upstream404_isBlobUnknown_andHeadMissAsksWithHead() throws Exception {
        Digest digest = Digest.sha256Of(new byte[]{1});
        upstream.enqueue(new MockResponse.Builder().code(404).build());
        upstream.enqueue(new MockResponse.Builder().code(404).build());

        HttpResponse<byte[]> get = send("GET", "/v2/app/blobs/" + digest);
        assertThat(get.statusCode()).isEqualTo(404);
        assertThat(firstError(get).get("code").asText()).isEqualTo("BLOB_UNKNOWN");

        assertThat(send("HEAD", "/v2/app/blobs/" + digest).statusCode()).isEqualTo(404);
        upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(upstream.takeRequest(5, TimeUnit.SECONDS).getMethod()).isEqualTo("HEAD");
    }

    @Test
    void writes_areRefusedAsUnsupported_withoutAskingUpstream() throws Exception {
        for (String method : List.of("POST", "PUT", "PATCH", "DELETE")) {
            HttpResponse<byte[]> response = send(method, "/v2/app/blobs/uploads/");
            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(firstError(response).get("code").asText()).isEqualTo("UNSUPPORTED");
        }
        assertThat(send("DELETE", "/v2/app/manifests/latest").statusCode()).isEqualTo(405);
        assertThat(upstream.getRequestCount()).isZero();
    }

    @Test
    void badNamesAndDigests_getTheSpecsErrors() throws Exception {
        HttpResponse<byte[]> name = send("GET", "/v2/Bad_Name/manifests/latest");
        assertThat(name.statusCode()).isEqualTo(400);
        assertThat(firstError(name).get("code").asText()).isEqualTo("NAME_INVALID");
        assertThat(name.headers().firstValue("Content-Type")).contains("application/json");

        HttpResponse<byte[]> digest = send("GET", "/v2/app/blobs/sha256:1234");
        assertThat(digest.statusCode()).isEqualTo(400);
        assertThat(firstError(digest).get("code").asText()).isEqualTo("DIGEST_INVALID");

        // An encoded slash never becomes a path separator.
        HttpResponse<byte[]> traversal = send("GET", "/v2/app/blobs/sha256:..%2F..%2Fetc%2Fpasswd");
        assertThat(traversal.statusCode()).isEqualTo(400);
        assertThat(firstError(traversal).get("code").asText()).isEqualTo("NAME_INVALID");
        HttpResponse<byte[]> encodedSlash = send("GET", "/v2/team%2fapp/manifests/1");
        assertThat(encodedSlash.statusCode()).isEqualTo(400);
        assertThat(firstError(encodedSlash).get("code").asText()).isEqualTo("NAME_INVALID");

        // A malformed escape is the client's error, not a 500.
        // (java.net.URI refuses to build such paths, so these go over a plain socket.)
        for (String path : List.of("/v2/app/manifests/1%zz", "/v2/app%zz/manifests/1", "/v2/app/manifests/1?ns=%")) {
            String response = rawGet(path);
            assertThat(response).as(path).startsWith("HTTP/1.1 400 ").contains("\"code\":\"REQUEST_INVALID\"");
        }
        // Too long, too large or the wrong version: the status says which.
        assertThat(rawGet("/v2/app/manifests/" + "a".repeat(8192))).startsWith("HTTP/1.1 414 ").contains("\"code\":\"URI_TOO_LONG\"");
        assertThat(raw("GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(16384) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431 ").contains("\"code\":\"HEADERS_TOO_LARGE\"");
        assertThat(raw("GET /v2/ HTTP/2.0\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 505 ");
        assertThat(upstream.getRequestCount()).isZero();
    }

    @Test
    void tagsList_passesQueryAndLinkThrough() throws Exception {
        upstream.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .addHeader("Link", "</v2/app/tags/list?last=b&n=2>; rel=\"next\"")
                .body("{\"name\":\"app\",\"tags\":[\"a\",\"b\"]}").build());

        HttpResponse<byte[]> response = send("GET", "/v2/app/tags/list?n=2");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Link")).contains("</v2/app/tags/list?last=b&n=2>; rel=\"next\"");
        assertThat(JSON.readTree(response.body()).get("tags").size()).isEqualTo(2);
        assertThat(upstream.takeRequest(5, TimeUnit.SECONDS).getUrl().encodedQuery()).isEqualTo("n=2");
    }
}
