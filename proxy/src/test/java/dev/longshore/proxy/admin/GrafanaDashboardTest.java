package dev.longshore.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.proxy.fill.FillMeter;
import dev.longshore.proxy.metrics.ServerMeter;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class GrafanaDashboardTest {
    private static final Pattern METRIC = Pattern.compile("\\b(longshore_[a-z_]+)");

    @Test
    void dashboard_queriesOnlyCataloguedMeters() throws Exception {
        JsonNode dashboard = AdminHarness.JSON.readTree(Path.of("..", "docs", "grafana-dashboard.json").toFile());
        Set<String> catalogue = new HashSet<>();
        Stream.concat(Arrays.stream(ServerMeter.values()).map(ServerMeter::meterName), Arrays.stream(FillMeter.values()).map(FillMeter::meterName))
                .forEach(name -> catalogue.add(name.replace('.', '_')));
        Set<String> queried = new HashSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher m = METRIC.matcher(target.get("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1).replaceAll("_(total|seconds_count|seconds_sum|seconds_max)$", ""));
                }
            }
        }
        assertThat(queried).isNotEmpty();
        assertThat(catalogue).containsAll(queried);
    }
}
