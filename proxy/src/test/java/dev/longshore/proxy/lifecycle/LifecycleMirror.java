package dev.longshore.proxy.lifecycle;

import dev.longshore.proxy.testing.MutableClock;
import dev.longshore.config.HostPort;
import dev.longshore.config.LifecycleSettings;
import dev.longshore.config.Settings;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.LongshoreServer;
import dev.longshore.proxy.fill.FillLimits;
import dev.longshore.storage.Digest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A Longshore under test, on a clock the test moves, in front of one or more {@link FakeRegistry} upstreams. */
final class LifecycleMirror implements AutoCloseable {
    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final LongshoreServer server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LifecycleMirror(Settings settings, LifecycleSettings lifecycle) throws Exception {
        this.server = LongshoreServer.start(settings, lifecycle, clock, FillLimits.DEFAULTS);
    }

    /** @param upstreams name, registry, name, registry, ... */
    static LifecycleMirror start(Path data, LifecycleSettings lifecycle, Object... upstreams) throws Exception {
        List<UpstreamSettings> settings = new ArrayList<>();
        for (int i = 0; i < upstreams.length; i += 2) {
            FakeRegistry registry = (FakeRegistry) upstreams[i + 1];
            settings.add(new UpstreamSettings((String) upstreams[i], registry.url(), Optional.empty(),
                    Duration.ofSeconds(2), Duration.ofSeconds(5)));
        }
        return new LifecycleMirror(new Settings(new HostPort("127.0.0.1", 0), data, settings), lifecycle);
    }

    HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        return getAsync(path, headers).get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> getAsync(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** GETs a blob through the mirror, checks it is whole, and waits for its fill to commit. */
    byte[] pullBlob(String upstream, String repository, Digest digest) throws Exception {
        HttpResponse<byte[]> response = get("/v2/" + repository + "/blobs/" + digest + "?ns=" + upstream);
        if (response.statusCode() != 200 || !Digest.sha256Of(response.body()).equals(digest)) {
            throw new AssertionError("GET of " + digest + " answered " + response.statusCode());
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.fills().inFlight() == 0);
        return response.body();
    }

    HttpResponse<byte[]> pullManifest(String upstream, String repository, String reference) throws Exception {
        return get("/v2/" + repository + "/manifests/" + reference + "?ns=" + upstream);
    }

    boolean cached(Digest digest) {
        return server.storage().findBlob(digest).isPresent();
    }

    @Override
    public void close() {
        server.close();
    }
}
