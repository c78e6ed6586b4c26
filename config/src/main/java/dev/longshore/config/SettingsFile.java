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
 * tagTtl: 5m                  # optional: default for upstreams that set none
 * offline: false              # optional
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
    private static final Set<String> TOP_KEYS = Set.of("listen", "data", "upstreams", "tagTtl", "offline");
    private static final Set<String> UPSTREAM_KEYS = Set.of("name", "url", "username", "password", "tokenFile",
            "connectTimeout", "readTimeout", "tagTtl", "maxStale", "caFile", "insecureSkipVerify");

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
        if (root.has("tagTtl")) {
            settings = settings.withTagTtl(Durations.parse("tagTtl", text(root, "tagTtl", "tagTtl")));
        }
        if (root.has("offline")) {
            settings = settings.withOffline(bool(root, "offline", "offline"));
        }
        if (root.has("upstreams")) {
            Path base = file.toAbsolutePath().getParent();
            settings = settings.withUpstreams(upstreams(root.get("upstreams"), base));
        }
        return settings;
    }

    private static List<UpstreamSettings> upstreams(JsonNode node, Path base) {
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
            Optional<UpstreamSettings.Credentials> credentials = credentials(u, path, base);
            Duration connect = u.has("connectTimeout") ? Durations.parse(path + ".connectTimeout", text(u, "connectTimeout", path))
                    : UpstreamSettings.DEFAULT_CONNECT_TIMEOUT;
            Duration read = u.has("readTimeout") ? Durations.parse(path + ".readTimeout", text(u, "readTimeout", path))
                    : UpstreamSettings.DEFAULT_READ_TIMEOUT;
            Optional<Duration> tagTtl = optionalDuration(u, "tagTtl", path);
            Optional<Duration> maxStale = optionalDuration(u, "maxStale", path);
            Optional<Path> caFile = Optional.empty();
            if (u.has("caFile")) {
                caFile = Optional.of(Pems.checkCertificates(path + ".caFile", base.resolve(text(u, "caFile", path))));
            }
            boolean insecure = u.has("insecureSkipVerify") && bool(u, "insecureSkipVerify", path);
            if (insecure && caFile.isPresent()) {
                throw new SettingsException(path + ".insecureSkipVerify", "cannot be combined with caFile: trust the CA, or skip verification");
            }
            try {
                result.add(new UpstreamSettings(name, url, credentials, connect, read,
                        new UpstreamSettings.Tls(caFile, insecure), tagTtl, maxStale));
            } catch (SettingsException e) {
                throw new SettingsException(path, e.getMessage());
            }
        }
        return result;
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
