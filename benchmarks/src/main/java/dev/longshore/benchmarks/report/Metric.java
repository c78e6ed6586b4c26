package dev.longshore.benchmarks.report;

import java.util.List;

/**
 * A figure the report knows how to show: which scenario's JSON key it is, what to call it, and which way is better.
 * {@code charted} figures also get a panel in the PNG.
 */
record Metric(String scenario, String key, String label, boolean higherIsBetter, boolean charted) {

    /** The report's rows, in order. Figures a scenario prints that are not here are left out of the report. */
    static final List<Metric> ALL = List.of(
            new Metric("cold-pull", "wall_s", "wall time, s", false, true),
            new Metric("cold-pull", "upstream_requests", "upstream requests", false, false),
            new Metric("cold-pull", "upstream_mib", "upstream MiB", false, true),
            new Metric("cold-blob", "wall_s", "wall time until the last client is done, s", false, true),
            new Metric("cold-blob", "ttfb_leader_s", "first client's time to first byte, s", false, false),
            new Metric("cold-blob", "ttfb_follower_p50_s", "followers' time to first byte p50, s", false, true),
            new Metric("cold-blob", "ttfb_follower_max_s", "followers' time to first byte max, s", false, false),
            new Metric("cold-blob", "upstream_blob_gets", "upstream blob GETs", false, true),
            new Metric("cold-blob", "upstream_mib", "upstream MiB", false, false),
            new Metric("cold-ttfb", "ttfb_s", "time to first byte, s", false, true),
            new Metric("cold-ttfb", "total_s", "time to last byte, s", false, false),
            new Metric("cold-ttfb", "upstream_blob_gets", "upstream blob GETs", false, false),
            new Metric("warm-blob", "mib_s", "aggregate MiB/s", true, true),
            new Metric("warm-blob", "cpu_s_per_gib", "mirror CPU seconds per GiB", false, true),
            new Metric("manifest-head", "req_s", "requests/s", true, true),
            new Metric("manifest-head", "p50_ms", "latency p50, ms", false, false),
            new Metric("manifest-head", "p99_ms", "latency p99, ms", false, true),
            new Metric("manifest-head", "upstream_per_request", "upstream requests per request", false, false),
            new Metric("manifest-head", "errors", "errors", false, false),
            new Metric("manifest-get", "req_s", "requests/s", true, true),
            new Metric("manifest-get", "p50_ms", "latency p50, ms", false, false),
            new Metric("manifest-get", "p99_ms", "latency p99, ms", false, true),
            new Metric("manifest-get", "upstream_per_request", "upstream requests per request", false, false),
            new Metric("manifest-get", "errors", "errors", false, false),
            new Metric("rss", "peak_rss_mib", "peak RSS, MiB", false, true));

    /** The direction hint shown next to a label. */
    String better() {
        return higherIsBetter ? "higher is better" : "lower is better";
    }
}
