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
import okio.Buffer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A Longshore under test on an injected clock, and the requests a client would send it. */
final class Mirror implements AutoCloseable {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final ObjectMapper JSON = new ObjectMapper();

    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final LongshoreServer server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Mirror(Settings settings) throws Exception {
        this.server = LongshoreServer.start(settings, clock);
    }

    static Mirror start(Path data, List<UpstreamSettings> upstreams, Duration tagTtl, boolean offline) throws Exception {
        return new Mirror(new Settings(new HostPort("127.0.0.1", 0), data, upstreams, tagTtl, offline));
    }

    /** An upstream with short timeouts, so that a test of a failing upstream ends quickly. */
    static UpstreamSettings upstream(String name, String url) {
        return new UpstreamSettings(name, URI.create(url), Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
        return sendAsync(method, path, headers).join();
    }

    CompletableFuture<HttpResponse<byte[]>> sendAsync(String method, String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode firstError(HttpResponse<byte[]> response) throws IOException {
        return JSON.readTree(response.body()).get("errors").get(0);
    }

    static String cacheStatus(HttpResponse<?> response) {
        return response.headers().firstValue("Cache-Status").orElse("(none)");
    }

    static byte[] manifest(String text) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"annotations\":{\"v\":\"" + text + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The upstream's answer to a GET of a manifest. */
    static MockResponse manifestGet(byte[] manifest) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", OCI_MANIFEST)
                .addHeader("Docker-Content-Digest", Digest.sha256Of(manifest).toString())
                .body(new Buffer().write(manifest)).build();
    }

    /** The upstream's answer to a HEAD of a manifest: the headers of the GET, no body. */
    static MockResponse manifestHead(byte[] manifest) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", OCI_MANIFEST)
                .addHeader("Docker-Content-Digest", Digest.sha256Of(manifest).toString())
                .setHeader("Content-Length", manifest.length).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
