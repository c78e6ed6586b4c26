package dev.longshore.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a YAML settings file. Every key is checked: an unknown or malformed one fails with its path
 * ({@code upstreams[1].url}), so a typo never silently falls back to a default; all of them are checked before
 * loading fails, so one run names every problem. {@code LONGSHORE_...} environment variables override the file
 * ({@link EnvironmentOverrides}).
 *
 * <pre>
 * listen: 0.0.0.0:5000
 * data: /var/lib/longshore
 * tagTtl: 5m                  # optional: default for upstreams that set none
 * offline: false              # optional
 * adminListen: 127.0.0.1:5080  # optional; off: no admin listener
 * accessLog: "-"               # optional: - (stdout), off or a file
 * upstreams:
 *   - name: docker.io
 *     url: https://registry-1.docker.io
 *     username: me            # optional, with password or tokenFile
 *     password: secret
 *     tokenFile: /run/secrets/hub-token   # optional, instead of password
 *     connectTimeout: 10s     # optional
 *     readTimeout: 60s        # optional
 *     tagTtl: 1m              # optional
 *     maxStale: 7d            # optional, absent: no limit
 *     caFile: /etc/ssl/lab-ca.pem          # optional
 *     insecureSkipVerify: false            # optional
 * </pre>
 *
 * Relative {@code caFile} and {@code tokenFile} paths are resolved against the settings file's directory.
 */
public final class SettingsFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Set<String> TOP_KEYS = Set.of("listen", "data", "upstreams", "tagTtl", "offline", "adminListen", "accessLog",
            "maxSize", "pins", "gcAge", "gcGrace"); // the last four: LifecycleSettings.load
    static final Set<String> UPSTREAM_KEYS = Set.of("name", "url", "username", "password", "tokenFile",
            "connectTimeout", "readTimeout", "tagTtl", "maxStale", "caFile", "insecureSkipVerify", "maxSize");

    private SettingsFile() {
    }

    /** Loads {@code file} over the embedded defaults. */
    public static Settings load(Path file) {
        return load(Optional.of(file), Map.of());
    }

    /**
     * Loads {@code file} (if any) over the embedded defaults, with the {@code LONGSHORE_...} variables of
     * {@code environment} over the file (see {@link EnvironmentOverrides}). Every key is checked before this throws:
     * the one {@link SettingsException} names every problem ({@link SettingsException#problems()}).
     */
    public static Settings load(Optional<Path> file, Map<String, String> environment) {
        JsonNode fileRoot = file.isPresent() ? read(file.get()) : null;
        Path base = file.map(f -> f.toAbsolutePath().getParent()).orElse(Path.of("").toAbsolutePath());
        EnvironmentOverrides env = EnvironmentOverrides.from(environment);
        SettingsProblems problems = new SettingsProblems();
        JsonNode root = env.applyTo(fileRoot, problems);
        Settings settings = parse(root, base, problems);
        SettingsProblems attributed = new SettingsProblems();
        problems.all().forEach(p -> attributed.add(env.attribute(p)));
        attributed.throwIfAny();
        return settings;
    }

    /** The settings file as a tree; every way it can fail is a problem of {@code --config}, in one line. */
    static JsonNode read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SettingsException("--config", "no such file: " + file);
        } catch (IOException e) {
            throw new SettingsException("--config", "cannot read " + file + ": " + e.getMessage());
        }
        try {
            return YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SettingsException("--config", file + " is not valid YAML (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + "): " + yamlProblem(e.getOriginalMessage()));
        }
    }

    /**
     * The parser's own words without its excerpts of the file (indented lines: "in 'reader', line 2", the line itself,
     * a caret under the spot): the location is given once, by line and column.
     */
    private static String yamlProblem(String message) {
        return message.lines()
                .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .distinct()
                .collect(Collectors.joining("; "));
    }

    /** One key's change to the settings; a {@link SettingsException} it throws is recorded and the key skipped. */
    private interface Step {
        Settings apply(Settings settings);
    }

    private static Settings step(SettingsProblems problems, Settings settings, Step step) {
        try {
            return step.apply(settings);
        } catch (SettingsException e) {
            problems.add(e);
            return settings;
        }
    }

    private static Settings parse(JsonNode root, Path base, SettingsProblems problems) {
        Settings settings = Settings.defaults();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return settings;
        }
        if (!root.isObject()) {
            problems.add("(top level)", "expected a mapping of settings");
            return settings;
        }
        checkKeys(root, "", TOP_KEYS, problems);
        // Each key in a step of its own: one bad key must not hide the next.
        if (root.has("listen")) {
            settings = step(problems, settings, s -> s.withListen(HostPort.parse("listen", text(root, "listen", "listen"))));
        }
        if (root.has("data")) {
            settings = step(problems, settings, s -> s.withDataDir(Path.of(text(root, "data", "data"))));
        }
        if (root.has("tagTtl")) {
            settings = step(problems, settings, s -> s.withTagTtl(Durations.parse("tagTtl", text(root, "tagTtl", "tagTtl"))));
        }
        if (root.has("offline")) {
            settings = step(problems, settings, s -> s.withOffline(bool(root, "offline", "offline")));
        }
        if (root.has("adminListen")) {
            settings = step(problems, settings, s -> s.withAdminListen(adminListen("adminListen", text(root, "adminListen", "adminListen"))));
        }
        if (root.has("accessLog")) {
            settings = step(problems, settings, s -> s.withAccessLog(AccessLogTarget.parse("accessLog", text(root, "accessLog", "accessLog"))));
        }
        if (root.has("upstreams")) {
            Optional<List<UpstreamSettings>> upstreams = upstreams(root.get("upstreams"), base, problems);
            if (upstreams.isPresent()) {
                settings = step(problems, settings, s -> s.withUpstreams(upstreams.get()));
            }
        }
        return settings;
    }

    /** {@code HOST:PORT}, or {@code off} for no admin listener ({@code false} too: YAML reads a bare off as false). */
    public static Optional<HostPort> adminListen(String key, String text) {
        String value = text == null ? "" : text.trim();
        return value.equals("off") || value.equals("false") ? Optional.empty() : Optional.of(HostPort.parse(key, text));
    }

    /** The upstreams, or empty when any of them has a problem (each recorded). */
    private static Optional<List<UpstreamSettings>> upstreams(JsonNode node, Path base, SettingsProblems problems) {
        if (!node.isArray() || node.isEmpty()) {
            problems.add("upstreams", "expected a non-empty list of upstreams");
            return Optional.empty();
        }
        List<UpstreamSettings> result = new ArrayList<>();
        Map<String, Integer> firstWithName = new HashMap<>();
        boolean duplicates = false;
        for (int i = 0; i < node.size(); i++) {
            upstream(node.get(i), "upstreams[" + i + "]", base, problems).ifPresent(result::add);
            // Names are compared as written, whether or not the rest of each upstream is right: all problems at once.
            String name = node.get(i).path("name").asText("");
            Integer first = name.isEmpty() ? null : firstWithName.putIfAbsent(name, i);
            if (first != null) {
                problems.add("upstreams[" + i + "].name", "'" + name + "' is already the name of upstreams[" + first + "]");
                duplicates = true;
            }
        }
        return result.size() == node.size() && !duplicates ? Optional.of(result) : Optional.empty();
    }

    private static Optional<UpstreamSettings> upstream(JsonNode u, String path, Path base, SettingsProblems problems) {
        if (!u.isObject()) {
            problems.add(path, "expected a mapping with name and url");
            return Optional.empty();
        }
        SettingsProblems mine = new SettingsProblems();
        checkKeys(u, path + ".", UPSTREAM_KEYS, mine);
        // Each key checked in full here, not only when the upstream is built: then it would wait for every other key.
        String name = mine.attempt(() -> UpstreamSettings.checkName(path + ".name", required(u, "name", path)), null);
        URI url = mine.attempt(() -> {
            try {
                return UpstreamSettings.checkUrl(path + ".url", URI.create(required(u, "url", path)));
            } catch (IllegalArgumentException e) {
                throw new SettingsException(path + ".url", "not a URL: " + e.getMessage());
            }
        }, null);
        Optional<UpstreamSettings.Credentials> credentials = mine.attempt(() -> credentials(u, path, base), Optional.empty());
        Duration connect = mine.attempt(() -> timeout(u, "connectTimeout", path, UpstreamSettings.DEFAULT_CONNECT_TIMEOUT),
                UpstreamSettings.DEFAULT_CONNECT_TIMEOUT);
        Duration read = mine.attempt(() -> timeout(u, "readTimeout", path, UpstreamSettings.DEFAULT_READ_TIMEOUT),
                UpstreamSettings.DEFAULT_READ_TIMEOUT);
        Optional<Duration> tagTtl = mine.attempt(() -> optionalDuration(u, "tagTtl", path), Optional.empty());
        Optional<Duration> maxStale = mine.attempt(() -> optionalDuration(u, "maxStale", path), Optional.empty());
        Optional<Path> caFile = mine.attempt(() -> u.has("caFile")
                ? Optional.of(Pems.checkCertificates(path + ".caFile", base.resolve(text(u, "caFile", path))))
                : Optional.<Path>empty(), Optional.empty());
        boolean insecure = mine.attempt(() -> u.has("insecureSkipVerify") && bool(u, "insecureSkipVerify", path), false);
        if (insecure && caFile.isPresent()) {
            mine.add(path + ".insecureSkipVerify", "cannot be combined with caFile: trust the CA, or skip verification");
        }
        if (!mine.isEmpty()) {
            mine.all().forEach(problems::add);
            return Optional.empty();
        }
        try {
            return Optional.of(new UpstreamSettings(name, url, credentials, connect, read,
                    new UpstreamSettings.Tls(caFile, insecure), tagTtl, maxStale));
        } catch (SettingsException e) {
            problems.add(path, e.getMessage());
            return Optional.empty();
        }
    }

    /** An upstream's timeout {@code key}, positive, or {@code fallback} when the file does not set it. */
    private static Duration timeout(JsonNode u, String key, String path, Duration fallback) {
        if (!u.has(key)) {
            return fallback;
        }
        return UpstreamSettings.checkTimeout(path + "." + key, Durations.parse(path + "." + key, text(u, key, path)));
    }

    /** {@code username} with either {@code password} or {@code tokenFile} (a token or password kept out of the settings file). */
    private static Optional<UpstreamSettings.Credentials> credentials(JsonNode u, String path, Path base) {
        if (!u.has("username") && !u.has("password") && !u.has("tokenFile")) {
            return Optional.empty();
        }
        String username = required(u, "username", path);
        if (u.has("password") && u.has("tokenFile")) {
            throw new SettingsException(path + ".tokenFile", "give either password or tokenFile, not both");
        }
        if (u.has("password")) {
            return Optional.of(new UpstreamSettings.Credentials(username, text(u, "password", path)));
        }
        if (!u.has("tokenFile")) {
            throw new SettingsException(path + ".password", "is required with username (or give tokenFile)");
        }
        Path tokenFile = base.resolve(text(u, "tokenFile", path));
        String token;
        try {
            token = Files.readString(tokenFile).strip();
        } catch (IOException e) {
            throw new SettingsException(path + ".tokenFile", "cannot read " + tokenFile + ": " + e.getMessage());
        }
        if (token.isEmpty()) {
            throw new SettingsException(path + ".tokenFile", tokenFile + " is empty");
        }
        return Optional.of(new UpstreamSettings.Credentials(username, token));
    }

    private static Optional<Duration> optionalDuration(JsonNode object, String key, String path) {
        return object.has(key) ? Optional.of(Durations.parse(path + "." + key, text(object, key, path))) : Optional.empty();
    }

    private static boolean bool(JsonNode object, String key, String path) {
        JsonNode value = object.get(key);
        String fullKey = path.equals(key) ? key : path + "." + key;
        if (value == null || !value.isBoolean()) {
            throw new SettingsException(fullKey, "expected true or false");
        }
        return value.booleanValue();
    }

    private static void checkKeys(JsonNode object, String prefix, Set<String> allowed, SettingsProblems problems) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                problems.add(prefix + name, "unknown setting; expected one of " + allowed.stream().sorted().toList());
            }
        }
    }

    private static String required(JsonNode object, String key, String path) {
        if (!object.has(key)) {
            throw new SettingsException(path + "." + key, "is required");
        }
        return text(object, key, path);
    }

    private static String text(JsonNode object, String key, String path) {
        JsonNode value = object.get(key);
        String fullKey = path.equals(key) ? key : path + "." + key;
        if (value == null || !value.isValueNode() || value.isNull()) {
            throw new SettingsException(fullKey, "expected a single value");
        }
        return value.asText();
    }
}
