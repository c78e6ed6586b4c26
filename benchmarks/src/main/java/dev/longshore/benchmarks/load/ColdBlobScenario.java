package dev.longshore.benchmarks.load;

import dev.longshore.benchmarks.seed.Seed;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Many clients miss the same big blob at the same moment (a deploy, a CI burst). The first body byte to arrive
 * marks the leader; the others are the followers whose time to first byte shows whether the mirror streams the
 * download to everyone or makes them wait for the whole blob.
 */
@Command(name = "cold-blob", mixinStandardHelpOptions = true, description = "One cold blob fetched by many clients at once.")
final class ColdBlobScenario implements Callable<Integer> {

    @Mixin
    ScenarioOptions options;

    @Option(names = "--image", defaultValue = "big-a", description = "Seeded image whose layer is fetched (default: big-a).")
    String imageName;

    @Option(names = "--clients", defaultValue = "32", description = "Clients at once (default: 32).")
    int clients;

    @Override
    public Integer call() throws Exception {
        Seed.Image image = options.readSeed().image(imageName);
        Seed.Blob blob = image.lastBlob();
        try (HttpLoadClient client = new HttpLoadClient(options.base, 2)) {
            client.warmUp(options.timeoutSeconds);
            UpstreamLog mark = options.markUpstream();
            List<FetchResult> results = Blobs.fetchAll(client, image, blob, clients, options.verifyClients, options.timeout());
            return report(results, blob, ScenarioOptions.trafficSince(mark));
        }
    }

    private Integer report(List<FetchResult> results, Seed.Blob blob, UpstreamLog.Traffic upstream) throws Exception {
        double[] ttfb = results.stream().mapToDouble(FetchResult::secondsToFirstByte).sorted().toArray();
        double[] followers = Arrays.copyOfRange(ttfb, 1, ttfb.length);
        long whole = Blobs.whole(results, blob);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("wall_s", (Blobs.endOf(results) - Blobs.startOf(results)) / 1e9);
        metrics.put("ttfb_leader_s", ttfb[0]);
        metrics.put("ttfb_follower_p50_s", Blobs.quantile(followers, 0.5));
        metrics.put("ttfb_follower_max_s", Blobs.quantile(followers, 1.0));
        metrics.put("whole", whole);
        metrics.put("expected", clients);
        if (upstream != null) {
            metrics.put("upstream_blob_gets", upstream.blobGets());
            metrics.put("upstream_mib", ScenarioOptions.mib(upstream.bytes()));
        }
        options.record("cold-blob", "one cold " + ScenarioOptions.size(blob.size()) + " blob, " + clients
                + " clients at once", metrics);
        return whole == clients ? 0 : 1;
    }
}
