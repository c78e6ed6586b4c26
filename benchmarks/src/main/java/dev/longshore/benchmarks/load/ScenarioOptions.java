package dev.longshore.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longshore.benchmarks.seed.Seed;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The options every scenario shares, and how a scenario records its figures: one JSON line in the results file. */
public final class ScenarioOptions {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--mirror", required = true, description = "Name of the mirror under test, for the report.")
    String mirror;

    @Option(names = "--base", required = true, description = "Base URL of the mirror, e.g. http://127.0.0.1:5001")
    URI base;

    @Option(names = "--seed", required = true, description = "The seed JSON the seeder wrote.")
    Path seed;

    @Option(names = "--results", required = true, description = "JSON-lines file the figures are appended to.")
    Path results;

    @Option(names = "--upstream-log", description = "The upstream registry's access log, to count upstream traffic.")
    Path upstreamLog;

    @Option(names = "--pid", description = "PID of the mirror, for CPU and memory figures.")
    Long pid;

    @Option(names = "--verify", defaultValue = "1",
            description = "How many clients of a blob scenario hash what they get (default: 1; the others count bytes).")
    int verifyClients;

    @Option(names = "--timeout", defaultValue = "300", description = "Seconds the scenario may take (default: 300).")
    long timeoutSeconds;

    Seed readSeed() throws IOException {
        return Seed.read(seed);
    }

    Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }

    UpstreamLog markUpstream() throws IOException {
        return upstreamLog == null ? null : UpstreamLog.mark(upstreamLog);
    }

    static UpstreamLog.Traffic trafficSince(UpstreamLog mark) throws IOException, InterruptedException {
        return mark == null ? null : mark.since(Duration.ofMillis(1500), Duration.ofSeconds(30));
    }

    long requirePid() {
        if (pid == null) {
            throw new IllegalArgumentException("this scenario needs --pid");
        }
        return pid;
    }

    /** Appends one result line and echoes it for the person watching the run. */
    void record(String scenario, String title, Map<String, ?> metrics) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("mirror", mirror);
        line.put("scenario", scenario);
        line.put("title", title);
        line.put("metrics", metrics);
        String json = JSON.writeValueAsString(line);
        Files.writeString(results, json + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.out.println(json);
    }

    static String size(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        double mib = bytes / (double) (1 << 20);
        return String.format(java.util.Locale.ROOT, mib >= 10 ? "%.0f MiB" : "%.1f MiB", mib);
    }

    static double mib(long bytes) {
        return bytes / (double) (1 << 20);
    }
}
