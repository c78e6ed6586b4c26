package dev.longshore.benchmarks.load;

import dev.longshore.benchmarks.seed.Seed;
import io.netty.handler.codec.http.HttpMethod;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Manifest requests by tag for an image the mirror has seen, as fast as {@code --connections} keep-alive connections
 * can send them: requests per second, latency percentiles, and how many upstream requests each one cost (a mirror
 * that revalidates every tag with the upstream shows 1 here).
 */
@Command(name = "manifests", mixinStandardHelpOptions = true, description = "Warm manifest HEAD or GET by tag under load.")
final class ManifestLoadScenario implements Callable<Integer> {

    @Mixin
    ScenarioOptions options;

    @Option(names = "--image", defaultValue = "medium", description = "Seeded image whose tag is asked for (default: medium).")
    String imageName;

    @Option(names = "--method", defaultValue = "HEAD", description = "HEAD or GET (default: HEAD).")
    String method;

    @Option(names = "--connections", defaultValue = "60", description = "Keep-alive connections (default: 60).")
    int connections;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds (default: 10).")
    double durationSeconds;

    @Option(names = "--warmup", defaultValue = "2", description = "Unmeasured seconds first (default: 2).")
    double warmupSeconds;

    @Override
    public Integer call() throws Exception {
        Seed.Image image = options.readSeed().image(imageName);
        HttpMethod httpMethod = HttpMethod.valueOf(method.toUpperCase(java.util.Locale.ROOT));
        ClosedLoopLoad.Result result;
        UpstreamLog mark;
        try (HttpLoadClient client = new HttpLoadClient(options.base, 2)) {
            // Make sure the tag is cached, whatever ran before.
            FetchResult first = client.fetch(HttpMethod.GET, image.manifestPath(), HttpLoadClient.MANIFEST_ACCEPT,
                    false, false).get(options.timeoutSeconds, TimeUnit.SECONDS);
            if (first.status() != 200) {
                throw new IllegalStateException("manifest GET answered " + first.status());
            }
            ClosedLoopLoad load = new ClosedLoopLoad(client, httpMethod, image.manifestPath(), HttpLoadClient.MANIFEST_ACCEPT);
            // Warm-up apart from the measured window, so its upstream traffic is not counted.
            load.run(connections, Duration.ZERO, seconds(warmupSeconds));
            mark = options.markUpstream();
            result = load.run(connections, Duration.ZERO, seconds(durationSeconds));
        }
        UpstreamLog.Traffic upstream = ScenarioOptions.trafficSince(mark);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("req_s", result.requestsPerSecond());
        metrics.put("p50_ms", result.latencies().getValueAtPercentile(50) / 1e6);
        metrics.put("p99_ms", result.latencies().getValueAtPercentile(99) / 1e6);
        metrics.put("errors", result.errors());
        if (upstream != null) {
            metrics.put("upstream_per_request", result.responses() == 0 ? Double.NaN
                    : upstream.requests() / (double) result.responses());
        }
        String name = httpMethod.name().toLowerCase(java.util.Locale.ROOT);
        options.record("manifest-" + name, "warm manifest " + httpMethod.name() + " by tag, " + connections
                + " connections for " + fmt(durationSeconds) + " s", metrics);
        return result.errors() == 0 ? 0 : 1;
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }

    private static String fmt(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }
}
