package dev.longshore.benchmarks.load;

import dev.longshore.benchmarks.seed.Seed;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Many clients read a blob the mirror already has: aggregate throughput, and the mirror's CPU seconds per GiB served
 * (its process tree's user + system time over the scenario), the cost of serving from disk. One client reads the
 * blob once, unmeasured, first: the cache is warm by definition here, and so should the page cache and both JITs be.
 */
@Command(name = "warm-blob", mixinStandardHelpOptions = true, description = "A cached blob read by many clients at once.")
final class WarmBlobScenario implements Callable<Integer> {

    @Mixin
    ScenarioOptions options;

    @Option(names = "--image", defaultValue = "big-a", description = "Seeded image whose layer is fetched (default: big-a).")
    String imageName;

    @Option(names = "--clients", defaultValue = "8", description = "Clients at once (default: 8).")
    int clients;

    @Override
    public Integer call() throws Exception {
        Seed.Image image = options.readSeed().image(imageName);
        Seed.Blob blob = image.lastBlob();
        long pid = options.requirePid();
        List<FetchResult> results;
        double cpuBefore;
        UpstreamLog mark;
        try (HttpLoadClient client = new HttpLoadClient(options.base, 2)) {
            Blobs.fetchAll(client, image, blob, 1, 0, options.timeout());
            mark = options.markUpstream();
            cpuBefore = ProcessTree.cpuSeconds(pid);
            results = Blobs.fetchAll(client, image, blob, clients, options.verifyClients, options.timeout());
        }
        double cpu = ProcessTree.cpuSeconds(pid) - cpuBefore;
        UpstreamLog.Traffic upstream = ScenarioOptions.trafficSince(mark);

        double wall = (Blobs.endOf(results) - Blobs.startOf(results)) / 1e9;
        long bytes = results.stream().mapToLong(FetchResult::bytes).sum();
        double gib = bytes / (double) (1L << 30);
        long whole = Blobs.whole(results, blob);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("wall_s", wall);
        metrics.put("mib_s", ScenarioOptions.mib(bytes) / wall);
        metrics.put("cpu_s_per_gib", cpu / gib);
        metrics.put("whole", whole);
        metrics.put("expected", clients);
        if (upstream != null) {
            metrics.put("upstream_requests", upstream.requests());
        }
        options.record("warm-blob", "the warm " + ScenarioOptions.size(blob.size()) + " blob, " + clients
                + " clients at once", metrics);
        return whole == clients ? 0 : 1;
    }
}
