package dev.longshore.benchmarks.load;

import dev.longshore.benchmarks.seed.Seed;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** One client asks for a big blob nobody has asked for: how long until its first byte, and until its last. */
@Command(name = "cold-ttfb", mixinStandardHelpOptions = true, description = "Time to first byte of one cold blob.")
final class ColdFirstByteScenario implements Callable<Integer> {

    @Mixin
    ScenarioOptions options;

    @Option(names = "--image", defaultValue = "big-b", description = "Seeded image whose layer is fetched (default: big-b).")
    String imageName;

    @Override
    public Integer call() throws Exception {
        Seed.Image image = options.readSeed().image(imageName);
        Seed.Blob blob = image.lastBlob();
        try (HttpLoadClient client = new HttpLoadClient(options.base, 1)) {
            client.warmUp(options.timeoutSeconds);
            UpstreamLog mark = options.markUpstream();
            FetchResult result = Blobs.fetchAll(client, image, blob, 1, options.verifyClients, options.timeout()).getFirst();
            return report(result, blob, ScenarioOptions.trafficSince(mark));
        }
    }

    private Integer report(FetchResult result, Seed.Blob blob, UpstreamLog.Traffic upstream) throws Exception {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("ttfb_s", result.secondsToFirstByte());
        metrics.put("total_s", result.seconds());
        metrics.put("whole", result.isWhole(blob.size(), blob.digest()) ? 1 : 0);
        metrics.put("expected", 1);
        if (upstream != null) {
            metrics.put("upstream_blob_gets", upstream.blobGets());
            metrics.put("upstream_mib", ScenarioOptions.mib(upstream.bytes()));
        }
        options.record("cold-ttfb", "one cold " + ScenarioOptions.size(blob.size()) + " blob, 1 client", metrics);
        return result.isWhole(blob.size(), blob.digest()) ? 0 : 1;
    }
}
