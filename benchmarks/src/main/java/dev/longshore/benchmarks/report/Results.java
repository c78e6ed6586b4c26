package dev.longshore.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The figures of one run, read from the JSON lines the load generator appended: per scenario its title, and per
 * (mirror, scenario, key) a number. A scenario that failed to run leaves its cells empty.
 */
final class Results {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> titles = new LinkedHashMap<>();
    private final Map<String, Double> values = new LinkedHashMap<>();

    static Results read(Path jsonLines) throws IOException {
        Results results = new Results();
        for (String line : Files.readAllLines(jsonLines)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = JSON.readTree(line);
            String mirror = node.path("mirror").asText();
            String scenario = node.path("scenario").asText();
            results.titles.putIfAbsent(scenario, node.path("title").asText(scenario));
            node.path("metrics").properties().forEach(e -> results.put(mirror, scenario, e.getKey(), number(e.getValue())));
        }
        return results;
    }

    void put(String mirror, String scenario, String key, double value) {
        values.put(mirror + "\u0000" + scenario + "\u0000" + key, value);
    }

    void title(String scenario, String title) {
        titles.put(scenario, title);
    }

    String title(String scenario) {
        return titles.getOrDefault(scenario, scenario);
    }

    OptionalDouble value(String mirror, String scenario, String key) {
        Double v = values.get(mirror + "\u0000" + scenario + "\u0000" + key);
        return v == null || v.isNaN() ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    private static double number(JsonNode node) {
        if (node.isNumber()) {
            return node.asDouble();
        }
        // Jackson writes NaN and infinities as strings.
        try {
            return Double.parseDouble(node.asText());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
