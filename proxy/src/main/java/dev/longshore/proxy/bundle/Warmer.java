package dev.longshore.proxy.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code longshore warm}: pulls images through a Longshore, exactly as a client would, so the cache ends up holding
 * what a pull stores (tags, manifests, blobs, their index records) by the same code: routing, Docker Hub's
 * {@code library/}, coalescing, verification, resumed fills. The upstream is picked by name with containerd's
 * {@code ns} parameter. Blobs are read and dropped; only the count and a hash (a check that all of it arrived) are kept.
 */
public final class Warmer {

    /** What one image took: {@code fromUpstream} bytes were fetched, the rest were already cached. */
    public record Result(ImageContent content, long bytes, long fromUpstream) {
    }

    private static final int BUFFER = 256 * 1024;
    /** Until the response headers: a cold blob's headers wait for the upstream's; the body then has no deadline here (the fill has). */
    private static final Duration HEADERS_TIMEOUT = Duration.ofMinutes(5);

    private final HttpClient http;
    private final URI mirror;
    private final List<UpstreamSettings> upstreams;
    private final Progress progress;

    /** @param mirror the base URL of a running Longshore, {@code http://127.0.0.1:5000} */
    public Warmer(HttpClient http, URI mirror, List<UpstreamSettings> upstreams, Progress progress) {
        this.http = http;
        this.mirror = mirror;
        this.upstreams = List.copyOf(upstreams);
        this.progress = progress;
    }

    /** Fetches the image's manifests (every platform of an index, or {@code platform}'s) and every blob they name. */
    public Result warm(ImageReference image, Optional<Platform> platform) throws IOException, InterruptedException {
        UpstreamSettings upstream = upstreams.stream().filter(u -> image.isOn(u.name())).findFirst()
                .orElseThrow(() -> new BundleException(image + ": registry " + image.registry() + " is not a configured upstream; "
                        + "configured: " + upstreams.stream().map(UpstreamSettings::name).toList()));
        ManifestRecord root = manifest(image, upstream, image.reference(), image.digest());
        ImageContent content = ImageWalker.walk(image, root, platform, descriptor -> {
            try {
                return Optional.of(manifest(image, upstream, descriptor.digest().toString(), Optional.of(descriptor.digest())));
            } catch (IOException e) {
                throw new BundleException(image + ": manifest " + descriptor.digest() + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BundleException(image + ": interrupted", e);
            }
        });
        progress.begin(image.toString(), content.blobBytes(), content.blobs().size());
        long fromUpstream = 0;
        for (Descriptor blob : content.blobs()) {
            boolean hit = blob(image, upstream, blob);
            fromUpstream += hit ? 0 : blob.size();
            progress.itemDone(blob.shortDigest() + " " + Progress.size(blob.size()) + (hit ? ", cached" : ", fetched"));
        }
        progress.end(content.manifests().size() + " manifests, " + content.blobs().size() + " blobs, "
                + Progress.size(content.blobBytes()) + " (" + Progress.size(fromUpstream) + " from " + upstream.name() + ")"
                + (content.missingManifests().isEmpty() ? "" : "; " + content.missingManifests().size() + " other platform(s) left out"));
        return new Result(content, content.blobBytes(), fromUpstream);
    }

    private ManifestRecord manifest(ImageReference image, UpstreamSettings upstream, String reference, Optional<Digest> expected)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(image, upstream, "manifests", reference))
                .header("Accept", Manifests.ACCEPT).timeout(HEADERS_TIMEOUT).GET().build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw failure(image, "manifest " + reference, response.statusCode(), response.body());
        }
        String mediaType = response.headers().firstValue("Content-Type").orElseThrow(() ->
                new BundleException(image + ": manifest " + reference + " came without a Content-Type"));
        byte[] body = response.body();
        Digest actual = expected.filter(d -> !d.algorithm().equals("sha256"))
                .map(d -> Digest.of(d.algorithm(), d.newHasher().digest(body)))
                .orElseGet(() -> Digest.sha256Of(body));
        if (expected.isPresent() && !expected.get().equals(actual)) {
            throw new BundleException(image + ": manifest " + reference + " hashes to " + actual);
        }
        return new ManifestRecord(actual, mediaType, response.body());
    }

    /** Reads the blob through the mirror; returns whether the mirror had it cached. */
    private boolean blob(ImageReference image, UpstreamSettings upstream, Descriptor blob) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(image, upstream, "blobs", blob.digest().toString()))
                .timeout(HEADERS_TIMEOUT).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw failure(image, "blob " + blob.digest(), response.statusCode(), body.readNBytes(64 * 1024));
            }
            MessageDigest hasher = blob.digest().newHasher();
            byte[] buffer = new byte[BUFFER];
            long read = 0;
            int n;
            while ((n = body.read(buffer)) > 0) {
                hasher.update(buffer, 0, n);
                read += n;
                progress.advance(n);
            }
            Digest actual = Digest.of(blob.digest().algorithm(), hasher.digest());
            if (!actual.equals(blob.digest())) {
                throw new BundleException(image + ": blob " + blob.digest() + " arrived as " + read + " bytes hashing to " + actual);
            }
        }
        return response.headers().firstValue("Cache-Status").map(s -> s.contains("hit")).orElse(false);
    }

    private URI uri(ImageReference image, UpstreamSettings upstream, String kind, String reference) {
        return mirror.resolve("/v2/" + image.repository() + "/" + kind + "/" + reference
                + "?ns=" + URLEncoder.encode(upstream.name(), StandardCharsets.UTF_8));
    }

    /** The registry error the mirror answered with, in words: {@code MANIFEST_UNKNOWN: ...}. */
    private static BundleException failure(ImageReference image, String what, int status, byte[] body) {
        String detail = "HTTP " + status;
        try {
            JsonNode error = Manifests.JSON.readTree(body).path("errors").path(0);
            if (error.isObject()) {
                detail = error.path("code").asText() + ": " + error.path("detail").asText(error.path("message").asText());
            }
        } catch (IOException | RuntimeException e) {
            // not the spec's error body: the status says enough
        }
        return new BundleException(image + ": " + what + ": " + detail);
    }
}
