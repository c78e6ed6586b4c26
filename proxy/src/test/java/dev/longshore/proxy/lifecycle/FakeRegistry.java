package dev.longshore.proxy.lifecycle;

import dev.longshore.storage.Digest;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry upstream that serves whatever blobs and manifests a test put in it, by path, with HEAD and byte ranges,
 * and counts the blob GETs it answered. Thread-safe: tests add content while Longshore pulls.
 */
final class FakeRegistry implements AutoCloseable {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private record Content(String type, byte[] bytes) {
    }

    private final MockWebServer server = new MockWebServer();
    private final Map<String, Content> byPath = new ConcurrentHashMap<>();
    private final Map<Digest, AtomicInteger> blobGets = new ConcurrentHashMap<>();

    FakeRegistry() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer(request);
            }
        });
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getPort());
    }

    /** A blob of {@code size} pseudo-random bytes in {@code repository}; returns its digest. */
    Digest blob(String repository, int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return blob(repository, bytes);
    }

    Digest blob(String repository, byte[] bytes) {
        Digest digest = Digest.sha256Of(bytes);
        byPath.put("/v2/" + repository + "/blobs/" + digest, new Content("application/octet-stream", bytes));
        return digest;
    }

    /** An image manifest naming {@code config} and {@code layers}, tagged {@code tag}; returns its digest. */
    Digest image(String repository, String tag, Digest config, List<Digest> layers) {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                + descriptor(config, "application/vnd.oci.image.config.v1+json") + ",\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            json.append(i > 0 ? "," : "").append(descriptor(layers.get(i), "application/vnd.oci.image.layer.v1.tar+gzip"));
        }
        json.append("]}");
        return manifest(repository, tag, OCI_MANIFEST, json.toString());
    }

    /** An index over {@code children}, tagged {@code tag}. */
    Digest index(String repository, String tag, List<Digest> children) {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[");
        for (int i = 0; i < children.size(); i++) {
            json.append(i > 0 ? "," : "").append(descriptor(children.get(i), OCI_MANIFEST));
        }
        json.append("]}");
        return manifest(repository, tag, OCI_INDEX, json.toString());
    }

    private Digest manifest(String repository, String tag, String type, String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256Of(bytes);
        Content content = new Content(type, bytes);
        byPath.put("/v2/" + repository + "/manifests/" + digest, content);
        if (tag != null) {
            byPath.put("/v2/" + repository + "/manifests/" + tag, content);
        }
        return digest;
    }

    private static String descriptor(Digest digest, String type) {
        return "{\"mediaType\":\"" + type + "\",\"digest\":\"" + digest + "\",\"size\":1}";
    }

    byte[] bytes(String repository, Digest digest) {
        return byPath.get("/v2/" + repository + "/blobs/" + digest).bytes();
    }

    /** How many times the blob was fetched with GET. */
    int blobGets(Digest digest) {
        AtomicInteger count = blobGets.get(digest);
        return count == null ? 0 : count.get();
    }

    private MockResponse answer(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        if (path.equals("/v2/") || path.equals("/v2")) {
            return new MockResponse.Builder().code(200).build();
        }
        Content content = byPath.get(path);
        if (content == null) {
            return new MockResponse.Builder().code(404).build();
        }
        Digest digest = Digest.sha256Of(content.bytes());
        MockResponse.Builder response = new MockResponse.Builder()
                .addHeader("Content-Type", content.type())
                .addHeader("Docker-Content-Digest", digest.toString());
        if (request.getMethod().equals("HEAD")) {
            return response.code(200).setHeader("Content-Length", content.bytes().length).build();
        }
        if (path.contains("/blobs/")) {
            blobGets.computeIfAbsent(digest, d -> new AtomicInteger()).incrementAndGet();
        }
        String range = request.getHeaders().get("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m != null && m.matches()) {
            int first = Integer.parseInt(m.group(1));
            int last = m.group(2).isEmpty() ? content.bytes().length - 1 : Math.min(Integer.parseInt(m.group(2)), content.bytes().length - 1);
            return response.code(206)
                    .addHeader("Content-Range", "bytes " + first + "-" + last + "/" + content.bytes().length)
                    .body(new Buffer().write(content.bytes(), first, last - first + 1)).build();
        }
        return response.code(200).body(new Buffer().write(content.bytes())).build();
    }

    @Override
    public void close() {
        server.close();
    }
}
