package dev.longshore.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code LONGSHORE_...} environment variables, laid over the settings file's YAML tree before it is validated, so an
 * environment value is checked exactly like the same value in the file. The name of a variable is its key in
 * upper snake case:
 * <pre>
 * LONGSHORE_LISTEN=0.0.0.0:5000            listen
 * LONGSHORE_TAG_TTL=1m                     tagTtl
 * LONGSHORE_ADMIN_LISTEN=127.0.0.1:5080    adminListen
 * LONGSHORE_UPSTREAMS_0_PASSWORD=secret    upstreams[0].password
 * LONGSHORE_UPSTREAMS_1_NAME=ghcr.io       upstreams[1].name (a new upstream, after the file's)
 * </pre>
 * Without an {@code upstreams} key in the file, {@code LONGSHORE_UPSTREAMS_0_...} changes the default Docker Hub
 * upstream. Variables that name no setting are ignored, not refused: Kubernetes puts {@code <SERVICE>_PORT} and the
 * like into every pod, and a Service called longshore must not stop the mirror; {@link #ignored()} lists them for a
 * warning.
 */
public final class EnvironmentOverrides {
    public static final String PREFIX = "LONGSHORE_";
    private static final Pattern UPSTREAM = Pattern.compile("UPSTREAMS_(\\d+)_(.+)");

    /** One variable that names a setting: its value goes at {@code index} (or -1: top level) under {@code key}. */
    private record Override(String variable, int index, String key, String value) {
        String path() {
            return index < 0 ? key : "upstreams[" + index + "]." + key;
        }
    }

    private final List<Override> overrides;
    private final List<String> ignored;

    private EnvironmentOverrides(List<Override> overrides, List<String> ignored) {
        this.overrides = overrides;
        this.ignored = ignored;
    }

    /** The {@code LONGSHORE_...} variables of {@code environment} (the process's, or a test's map). */
    public static EnvironmentOverrides from(Map<String, String> environment) {
        Map<String, String> topKeys = byVariableName(SettingsFile.TOP_KEYS);
        Map<String, String> upstreamKeys = byVariableName(SettingsFile.UPSTREAM_KEYS);
        List<Override> overrides = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        // Sorted, so upstream indexes are applied in order and problems come out the same way every time.
        for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
            String variable = e.getKey();
            if (!variable.startsWith(PREFIX)) {
                continue;
            }
            String rest = variable.substring(PREFIX.length());
            Matcher upstream = UPSTREAM.matcher(rest);
            if (upstream.matches() && upstreamKeys.containsKey(upstream.group(2)) && upstream.group(1).length() < 4) {
                overrides.add(new Override(variable, Integer.parseInt(upstream.group(1)), upstreamKeys.get(upstream.group(2)), e.getValue()));
            } else if (topKeys.containsKey(rest) && !rest.equals("UPSTREAMS")) {
                overrides.add(new Override(variable, -1, topKeys.get(rest), e.getValue()));
            } else {
                ignored.add(variable);
            }
        }
        overrides.sort((a, b) -> Integer.compare(a.index(), b.index()));
        return new EnvironmentOverrides(overrides, ignored);
    }

    /** {@code LONGSHORE_...} variables that name no setting. */
    public List<String> ignored() {
        return ignored;
    }

    /**
     * {@code root} (the file's tree, or null without a file) with every override applied; an override that cannot be
     * placed (an upstream index past the end of the list) is recorded in {@code problems}.
     */
    JsonNode applyTo(JsonNode root, SettingsProblems problems) {
        if (overrides.isEmpty()) {
            return root;
        }
        if (root != null && !root.isNull() && !root.isMissingNode() && !root.isObject()) {
            return root; // the file's own problem; reported by the loader
        }
        ObjectNode merged = root == null || !root.isObject() ? JsonNodeFactory.instance.objectNode() : ((ObjectNode) root).deepCopy();
        for (Override o : overrides) {
            JsonNode value = scalar(o.value());
            if (o.index() < 0) {
                merged.set(o.key(), value);
                continue;
            }
            if (!merged.has("upstreams")) {
                merged.set("upstreams", defaultUpstreams());
            }
            if (!(merged.get("upstreams") instanceof ArrayNode list)) {
                problems.add(o.variable(), "sets " + o.path() + ", but upstreams in the settings file is not a list");
                continue;
            }
            if (o.index() > list.size()) {
                problems.add(o.variable(), "there are " + list.size() + " upstream(s) before it; number upstreams from 0 without gaps");
                continue;
            }
            if (o.index() == list.size()) {
                list.addObject();
            }
            if (!(list.get(o.index()) instanceof ObjectNode upstream)) {
                problems.add(o.variable(), "sets " + o.path() + ", but that upstream in the settings file is not a mapping");
                continue;
            }
            upstream.set(o.key(), value);
        }
        return merged;
    }

    /** The variable that set {@code path} ({@code upstreams[0].password}), if one did. */
    Optional<String> variableFor(String path) {
        return overrides.stream().filter(o -> o.path().equals(path)).map(Override::variable).findFirst();
    }

    /** The problem, renamed to say which variable set the key, if one did. */
    SettingsException attribute(SettingsException problem) {
        Optional<String> variable = variableFor(problem.key());
        if (variable.isEmpty()) {
            return problem;
        }
        String text = problem.getMessage().substring(problem.key().length() + 2);
        return new SettingsException(problem.key() + " (from " + variable.get() + ")", text);
    }

    /** The top-level keys in variable form: {@code tagTtl} is {@code TAG_TTL}. */
    static String variableName(String key) {
        return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    private static Map<String, String> byVariableName(Set<String> keys) {
        Map<String, String> result = new HashMap<>();
        keys.forEach(key -> result.put(variableName(key), key));
        return result;
    }

    /** An environment value is text; true and false also stand for the booleans, as unquoted in YAML. */
    private static JsonNode scalar(String value) {
        return switch (value) {
            case "true" -> JsonNodeFactory.instance.booleanNode(true);
            case "false" -> JsonNodeFactory.instance.booleanNode(false);
            default -> JsonNodeFactory.instance.textNode(value);
        };
    }

    private static ArrayNode defaultUpstreams() {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        UpstreamSettings hub = UpstreamSettings.dockerHub();
        list.addObject().put("name", hub.name()).put("url", hub.url().toString());
        return list;
    }
}
