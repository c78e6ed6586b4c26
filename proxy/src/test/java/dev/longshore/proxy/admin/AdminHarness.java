package dev.longshore.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longshore.config.AccessLogTarget;
import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.LongshoreServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Longshore with its admin listener on a free loopback port, in front of a {@link ScriptedRegistry}, and a client for both. */
final class AdminHarness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String UPSTREAM = "registry.test";

    final ScriptedRegistry upstream;
    final LongshoreServer server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminHarness(Path data, int layerSize, AccessLogTarget accessLog) throws Exception {
        upstream = new ScriptedRegistry(layerSize);
        Settings settings = new Settings(new HostPort("127.0.0.1", 0), data,
                List.of(new UpstreamSettings(UPSTREAM, URI.create(upstream.url()), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(5))),
                Settings.DEFAULT_TAG_TTL, false)
                .withAdminListen(Optional.of(new HostPort("127.0.0.1", 0)))
                .withAccessLog(accessLog);
        server = LongshoreServer.start(settings);
    }

    /** A registry API request, as a client pulling through the mirror sends it. */
    HttpResponse<byte[]> pull(String method, String path) throws IOException, InterruptedException {
        return send(server.address().getPort(), method, path);
    }

    /** A request to the admin listener. */
    HttpResponse<byte[]> admin(String method, String path) throws IOException, InterruptedException {
        return send(server.adminAddress().orElseThrow().getPort(), method, path);
    }

    JsonNode adminJson(String method, String path) throws IOException, InterruptedException {
        return JSON.readTree(admin(method, path).body());
    }

    String scrape() throws IOException, InterruptedException {
        HttpResponse<byte[]> response = admin("GET", "/metrics");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/metrics answered " + response.statusCode());
        }
        return new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private HttpResponse<byte[]> send(int port, String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(20))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)(\\s+\\d+)?$");

    /**
     * Prometheus text exposition as {@code name{label="value",...}} (labels sorted as the registry writes them) to
     * value; comments skipped.
     */
    static Map<String, Double> parse(String exposition) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a Prometheus sample line: " + line);
            }
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    /** The sample of {@code name} whose labels include every one of {@code labels} (k=v pairs); 0 if none. */
    static double sample(Map<String, Double> samples, String name, String... labels) {
        return samples.entrySet().stream()
                .filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
                .filter(e -> {
                    for (String label : labels) {
                        String[] kv = label.split("=", 2);
                        if (!e.getKey().contains(kv[0] + "=\"" + kv[1] + "\"")) {
                            return false;
                        }
                    }
                    return true;
                })
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }

    @Override
    public void close() {
        server.close();
        upstream.close();
    }
}
