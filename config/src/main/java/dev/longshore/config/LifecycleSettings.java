package dev.longshore.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How the cache lives within its disk: the byte budget, per-upstream budgets, pinned images and garbage collection.
 * Read from the same settings file as {@link Settings} ({@link SettingsFile} checks the keys; {@link #load} reads these).
 *
 * <pre>
 * maxSize: 500GiB             # optional; absent: no budget
 * pins:                       # optional: images never evicted or collected
 *   - docker.io/library/alpine:3.20
 * gcAge: 90d                  # optional
 * gcGrace: 1h                 # optional
 * upstreams:
 *   - name: docker.io
 *     maxSize: 300GiB         # optional
 * </pre>
 *
 * @param maxSize          the budget for cached blobs, in bytes; empty: unbounded
 * @param upstreamMaxSizes budgets of single upstreams, by upstream name, so one registry cannot evict another's blobs
 * @param pins             images (registry/repository:tag or @digest) whose manifests and blobs are never evicted or collected
 * @param gcAge            tags and manifests not pulled for this long are dropped
 * @param gcGrace          a blob no manifest references is removed only once it has not been accessed for this long, so
 *                         a pull in progress (blobs fetched before their manifest is cached) is safe
 */
public record LifecycleSettings(OptionalLong maxSize, Map<String, Long> upstreamMaxSizes, List<String> pins,
                                Duration gcAge, Duration gcGrace) {

    /** 90 days: an image nobody pulled for a quarter is cheap to fetch again, and a quarter covers release cycles. */
    public static final Duration DEFAULT_GC_AGE = Duration.ofDays(90);
    /** 1 hour: far longer than any pull takes between fetching a blob and the manifest that names it. */
    public static final Duration DEFAULT_GC_GRACE = Duration.ofHours(1);
    public static final LifecycleSettings DEFAULTS = new LifecycleSettings(OptionalLong.empty(), Map.of(), List.of(),
            DEFAULT_GC_AGE, DEFAULT_GC_GRACE);

    public LifecycleSettings {
        Objects.requireNonNull(maxSize, "maxSize");
        Objects.requireNonNull(gcAge, "gcAge");
        Objects.requireNonNull(gcGrace, "gcGrace");
        upstreamMaxSizes = Map.copyOf(upstreamMaxSizes);
        pins = List.copyOf(pins);
        if (gcAge.isNegative() || gcAge.isZero()) {
            throw new SettingsException("gcAge", "must be positive");
        }
        if (gcGrace.isNegative()) {
            throw new SettingsException("gcGrace", "must not be negative");
        }
    }

    public LifecycleSettings withMaxSize(long newMaxSize) {
        return new LifecycleSettings(OptionalLong.of(newMaxSize), upstreamMaxSizes, pins, gcAge, gcGrace);
    }

    public LifecycleSettings withUpstreamMaxSize(String upstream, long newMaxSize) {
        Map<String, Long> sizes = new LinkedHashMap<>(upstreamMaxSizes);
        sizes.put(upstream, newMaxSize);
        return new LifecycleSettings(maxSize, sizes, pins, gcAge, gcGrace);
    }

    public LifecycleSettings withPins(List<String> newPins) {
        return new LifecycleSettings(maxSize, upstreamMaxSizes, newPins, gcAge, gcGrace);
    }

    public LifecycleSettings withGc(Duration newGcAge, Duration newGcGrace) {
        return new LifecycleSettings(maxSize, upstreamMaxSizes, pins, newGcAge, newGcGrace);
    }

    /** The lifecycle keys of a settings file; {@link SettingsFile#load} has already rejected unknown keys. */
    public static LifecycleSettings load(Path file) {
        return load(Optional.of(file), Map.of());
    }

    /**
     * The lifecycle keys of the settings file (if any) with the {@code LONGSHORE_...} variables over it, the same
     * layering {@link SettingsFile#load(Optional, Map)} applies; a bad value names the variable it came from.
     */
    public static LifecycleSettings load(Optional<Path> file, Map<String, String> environment) {
        JsonNode fileRoot = file.map(SettingsFile::read).orElse(null);
        EnvironmentOverrides env = EnvironmentOverrides.from(environment);
        // Problems with the variables themselves are reported by SettingsFile, which loads the same layering.
        JsonNode root = env.applyTo(fileRoot, new SettingsProblems());
        try {
            return parse(root);
        } catch (SettingsException e) {
            throw env.attribute(e);
        }
    }

    private static LifecycleSettings parse(JsonNode root) {
        LifecycleSettings settings = DEFAULTS;
        if (root == null || !root.isObject()) {
            return settings;
        }
        if (root.has("maxSize")) {
            settings = settings.withMaxSize(Sizes.parse("maxSize", scalar(root.get("maxSize"), "maxSize")));
        }
        if (root.has("pins")) {
            JsonNode pins = root.get("pins");
            if (!pins.isArray()) {
                throw new SettingsException("pins", "expected a list of images such as docker.io/library/alpine:3.20");
            }
            List<String> images = new ArrayList<>();
            for (int i = 0; i < pins.size(); i++) {
                images.add(scalar(pins.get(i), "pins[" + i + "]"));
            }
            settings = settings.withPins(images);
        }
        Duration gcAge = root.has("gcAge") ? Durations.parse("gcAge", scalar(root.get("gcAge"), "gcAge")) : settings.gcAge();
        Duration gcGrace = root.has("gcGrace") ? Durations.parse("gcGrace", scalar(root.get("gcGrace"), "gcGrace")) : settings.gcGrace();
        settings = settings.withGc(gcAge, gcGrace);
        JsonNode upstreams = root.get("upstreams");
        if (upstreams != null && upstreams.isArray()) {
            for (int i = 0; i < upstreams.size(); i++) {
                JsonNode u = upstreams.get(i);
                if (u.isObject() && u.has("maxSize") && u.has("name")) {
                    String key = "upstreams[" + i + "].maxSize";
                    settings = settings.withUpstreamMaxSize(u.get("name").asText(), Sizes.parse(key, scalar(u.get("maxSize"), key)));
                }
            }
        }
        return settings;
    }

    private static String scalar(JsonNode value, String key) {
        if (value == null || !value.isValueNode() || value.isNull()) {
            throw new SettingsException(key, "expected a single value");
        }
        return value.asText();
    }
}
