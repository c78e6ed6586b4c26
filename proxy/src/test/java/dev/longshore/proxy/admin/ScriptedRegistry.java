package dev.longshore.proxy.admin;

import dev.longshore.storage.Digest;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream registry with one image, {@code team/app:1} (a config and one layer), that counts the requests for each
 * path. A scripted fake rather than registry:2: these tests are about what Longshore reports, not about the registry.
 */
final class ScriptedRegistry extends Dispatcher implements AutoCloseable {
    static final String REPOSITORY = "team/app";
    static final String TAG = "1";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    final byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    final byte[] layer;
    final Digest configDigest;
    final Digest layerDigest;
    final byte[] manifest;
    final Digest manifestDigest;
    private final MockWebServer server = new MockWebServer();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    ScriptedRegistry(int layerSize) throws IOException {
        layer = new byte[layerSize];
        for (int i = 0; i < layer.length; i++) {
            layer[i] = (byte) (i * 31 + i / 7);
        }
        configDigest = Digest.sha256Of(config);
        layerDigest = Digest.sha256Of(layer);
        manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}")
                .getBytes(StandardCharsets.UTF_8);
        manifestDigest = Digest.sha256Of(manifest);
        server.setDispatcher(this);
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Requests of any method for {@code path} so far. */
    int requests(String path) {
        AtomicInteger count = requests.get(path);
        return count == null ? 0 : count.get();
    }

    String manifestPath(String reference) {
        return "/v2/" + REPOSITORY + "/manifests/" + reference;
    }

    String blobPath(Digest digest) {
        return "/v2/" + REPOSITORY + "/blobs/" + digest;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getTarget();
        requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        boolean head = request.getMethod().equals("HEAD");
        if (path.equals(manifestPath(TAG)) || path.equals(manifestPath(manifestDigest.toString()))) {
            return body(head, OCI_MANIFEST, manifest).addHeader("Docker-Content-Digest", manifestDigest.toString()).build();
        }
        if (path.equals(blobPath(configDigest))) {
            return body(head, "application/octet-stream", config).build();
        }
        if (path.equals(blobPath(layerDigest))) {
            return body(head, "application/octet-stream", layer).build();
        }
        return new MockResponse.Builder().code(404).addHeader("Content-Type", "application/json")
                .body("{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"not here\"}]}").build();
    }

    private static MockResponse.Builder body(boolean head, String type, byte[] bytes) {
        MockResponse.Builder builder = new MockResponse.Builder().code(200).addHeader("Content-Type", type);
        return head ? builder.setHeader("Content-Length", bytes.length) : builder.body(new Buffer().write(bytes));
    }

    @Override
    public void close() {
        server.close();
    }
}
