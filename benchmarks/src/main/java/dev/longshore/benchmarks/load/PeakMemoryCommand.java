package dev.longshore.benchmarks.load;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** The mirror's peak resident memory so far ({@code VmHWM}, summed over its process tree); run it last. */
@Command(name = "rss", mixinStandardHelpOptions = true, description = "Peak RSS of the mirror's processes.")
final class PeakMemoryCommand implements Callable<Integer> {

    @Mixin
    ScenarioOptions options;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("peak_rss_mib", ProcessTree.peakRssKiB(options.requirePid()) / 1024.0);
        options.record("rss", "peak memory after all scenarios", metrics);
        return 0;
    }
}
