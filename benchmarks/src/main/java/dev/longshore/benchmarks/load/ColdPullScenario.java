package dev.longshore.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longshore.benchmarks.seed.Seed;
import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client pulls an image the mirror has never seen, as a container runtime does: the manifest by tag, then the
 * config and layers it names, three at a time (docker's default {@code max-concurrent-downloads}).
 */
@Command(name = "cold-pull", mixinStandardHelpOptions = true, description = "Cold pull of one image by one client.")
final class ColdPullScenario implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ScenarioOptions options;

    @Option(names = "--image", defaultValue = "medium", description = "Seeded image to pull (default: medium).")
    String imageName;

    @Option(names = "--parallel", defaultValue = "3", description = "Blobs fetched at once (default: 3).")
    int parallel;

    @Override
    public Integer call() throws Exception {
        Seed.Image image = options.readSeed().image(imageName);
        try (HttpLoadClient client = new HttpLoadClient(options.base, 2)) {
            client.warmUp(options.timeoutSeconds);
            UpstreamLog mark = options.markUpstream();
            long start = System.nanoTime();
            FetchResult manifest = client.fetch(HttpMethod.GET, image.manifestPath(), HttpLoadClient.MANIFEST_ACCEPT,
                    true, true).get(options.timeoutSeconds, TimeUnit.SECONDS);
            List<String> digests = blobDigests(manifest);
            List<FetchResult> blobs = fetchBlobs(client, image, digests);
            double wall = (System.nanoTime() - start) / 1e9;

            long whole = 0;
            long bytes = 0;
            for (int i = 0; i < digests.size(); i++) {
                String digest = digests.get(i);
                Seed.Blob expected = image.blobs().stream()
                        .filter(b -> b.digest().equals(digest)).findFirst().orElseThrow();
                whole += blobs.get(i).isWhole(expected.size(), expected.digest()) ? 1 : 0;
                bytes += blobs.get(i).bytes();
            }
            boolean manifestOk = manifest.status() == 200 && image.manifestDigest().equals(manifest.sha256());
            UpstreamLog.Traffic upstream = ScenarioOptions.trafficSince(mark);

            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("wall_s", wall);
            metrics.put("mib_s", ScenarioOptions.mib(bytes) / wall);
            metrics.put("whole", (manifestOk ? 1 : 0) + whole);
            metrics.put("expected", 1 + digests.size());
            if (upstream != null) {
                metrics.put("upstream_requests", upstream.requests());
                metrics.put("upstream_mib", ScenarioOptions.mib(upstream.bytes()));
            }
            options.record("cold-pull", "cold pull of a " + ScenarioOptions.size(image.totalBlobBytes()) + " image in "
                    + (image.blobs().size() - 1) + " layers, 1 client", metrics);
            return manifestOk && whole == digests.size() ? 0 : 1;
        }
    }

    private static List<String> blobDigests(FetchResult manifest) throws Exception {
        if (manifest.status() != 200) {
            throw new IllegalStateException("manifest GET answered " + manifest.status());
        }
        JsonNode json = JSON.readTree(manifest.body());
        List<String> digests = new ArrayList<>();
        digests.add(json.path("config").path("digest").asText());
        json.path("layers").forEach(layer -> digests.add(layer.path("digest").asText()));
        return digests;
    }

    /** Fetches the blobs with at most {@code parallel} in flight, keeping their order. */
    private List<FetchResult> fetchBlobs(HttpLoadClient client, Seed.Image image, List<String> digests)
            throws Exception {
        List<CompletableFuture<FetchResult>> fetches = new ArrayList<>();
        for (int i = 0; i < digests.size(); i++) {
            String path = image.blobPath(digests.get(i));
            // Chain each fetch after the one `parallel` places before it: at most `parallel` run at once.
            CompletableFuture<FetchResult> fetch = i < parallel
                    ? client.fetch(HttpMethod.GET, path, null, true, false)
                    : fetches.get(i - parallel).thenCompose(ignored -> client.fetch(HttpMethod.GET, path, null, true, false));
            fetches.add(fetch);
        }
        CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new))
                .get(options.timeoutSeconds, TimeUnit.SECONDS);
        return fetches.stream().map(CompletableFuture::join).toList();
    }
}
