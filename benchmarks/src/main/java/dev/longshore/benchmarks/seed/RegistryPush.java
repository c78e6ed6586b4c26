package dev.longshore.benchmarks.seed;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Pushes to a registry through its HTTP API, as the distribution spec describes: blobs with a monolithic upload
 * ({@code POST} for a session, then one {@code PUT ?digest=} with the whole body), manifests with a {@code PUT}.
 * No auth: the seeded upstream is a private loopback registry.
 */
final class RegistryPush {

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    RegistryPush(URI base) {
        this.base = base;
    }

    /** Uploads a blob of {@code size} bytes whose digest is already known; {@code body} opens the bytes afresh. */
    void putBlob(String repository, String digest, long size, Supplier<InputStream> body)
            throws IOException, InterruptedException {
        HttpResponse<String> started = send(HttpRequest.newBuilder(base.resolve("/v2/" + repository + "/blobs/uploads/"))
                .POST(BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30))
                .build());
        expect(started, 202, "start an upload to " + repository);
        String location = started.headers().firstValue("Location")
                .orElseThrow(() -> new IOException("upload session for " + repository + " has no Location"));
        URI session = base.resolve(location);
        String separator = session.getRawQuery() == null ? "?" : "&";
        URI put = URI.create(session + separator + "digest=" + digest);
        HttpResponse<String> done = send(HttpRequest.newBuilder(put)
                .header("Content-Type", "application/octet-stream")
                // A known length, so the registry gets Content-Length rather than a chunked body.
                .PUT(BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(body), size))
                .timeout(Duration.ofMinutes(10))
                .build());
        expect(done, 201, "upload " + digest + " to " + repository);
    }

    void putManifest(String repository, String reference, String mediaType, byte[] manifest)
            throws IOException, InterruptedException {
        HttpResponse<String> done = send(HttpRequest.newBuilder(base.resolve("/v2/" + repository + "/manifests/" + reference))
                .header("Content-Type", mediaType)
                .PUT(BodyPublishers.ofByteArray(manifest))
                .timeout(Duration.ofSeconds(30))
                .build());
        expect(done, 201, "put manifest " + repository + ":" + reference);
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, BodyHandlers.ofString());
    }

    private static void expect(HttpResponse<String> response, int status, String what) throws IOException {
        if (response.statusCode() != status) {
            throw new IOException("cannot " + what + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }
}
