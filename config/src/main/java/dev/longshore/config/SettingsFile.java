package dev.longshore.config;

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
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a YAML settings file. Every key is checked: an unknown or malformed one fails with its path
 * ({@code upstreams[1].url}), so a typo never silently falls back to a default.
 *
 * <pre>
 * listen: 0.0.0.0:5000
 * data: /var/lib/longshore
 * upstreams:
 *   - name: docker.io
 *     url: https://registry-1.docker.io
 *     username: me            # optional, with password
 *     password: secret
 *     connectTimeout: 10s     # optional
 *     readTimeout: 60s        # optional
 * </pre>
 */
public final class SettingsFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP_KEYS = Set.of("listen", "data", "upstreams");
    private static final Set<String> UPSTREAM_KEYS = Set.of("name", "url", "username", "password", "connectTimeout", "readTimeout");

    private SettingsFile() {
    }

    /** Loads {@code file} over the embedded defaults. */
    public static Settings load(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new SettingsException("--config", "no such file: " + file);
        } catch (IOException e) {
            throw new SettingsException("--config", "cannot read " + file + ": " + e.getMessage());
        }
        Settings settings = Settings.defaults();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return settings;
        }
        if (!root.isObject()) {
            throw new SettingsException("(top level)", "expected a mapping of settings");
        }
        checkKeys(root, "", TOP_KEYS);
        if (root.has("listen")) {
            settings = settings.withListen(HostPort.parse("listen", text(root, "listen", "listen")));
        }
        if (root.has("data")) {
            settings = settings.withDataDir(Path.of(text(root, "data", "data")));
        }
        if (root.has("upstreams")) {
            settings = settings.withUpstreams(upstreams(root.get("upstreams")));
        }
        return settings;
    }

    private static List<UpstreamSettings> upstreams(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            throw new SettingsException("upstreams", "expected a non-empty list of upstreams");
        }
        List<UpstreamSettings> result = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "upstreams[" + i + "]";
            JsonNode u = node.get(i);
            if (!u.isObject()) {
                throw new SettingsException(path, "expected a mapping with name and url");
            }
            checkKeys(u, path + ".", UPSTREAM_KEYS);
            String name = required(u, "name", path);
            URI url;
            try {
                url = URI.create(required(u, "url", path));
            } catch (IllegalArgumentException e) {
                throw new SettingsException(path + ".url", "not a URL: " + e.getMessage());
            }
            Optional<UpstreamSettings.Credentials> credentials = Optional.empty();
            if (u.has("username") || u.has("password")) {
                credentials = Optional.of(new UpstreamSettings.Credentials(required(u, "username", path), required(u, "password", path)));
            }
            Duration connect = u.has("connectTimeout") ? Durations.parse(path + ".connectTimeout", text(u, "connectTimeout", path))
                    : UpstreamSettings.DEFAULT_CONNECT_TIMEOUT;
            Duration read = u.has("readTimeout") ? Durations.parse(path + ".readTimeout", text(u, "readTimeout", path))
                    : UpstreamSettings.DEFAULT_READ_TIMEOUT;
            try {
                result.add(new UpstreamSettings(name, url, credentials, connect, read));
            } catch (SettingsException e) {
                throw new SettingsException(path, e.getMessage());
            }
        }
        return result;
    }

    private static void checkKeys(JsonNode object, String prefix, Set<String> allowed) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new SettingsException(prefix + name, "unknown setting; expected one of " + allowed.stream().sorted().toList());
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
