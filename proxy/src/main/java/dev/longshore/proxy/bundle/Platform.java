package dev.longshore.proxy.bundle;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;
import java.util.Optional;

/** A platform as {@code --platform} names it: {@code os/architecture[/variant]}, e.g. {@code linux/amd64}, {@code linux/arm64/v8}. */
public record Platform(String os, String architecture, Optional<String> variant) {

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(variant, "variant");
    }

    public static Platform parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("/", -1);
        if (parts.length < 2 || parts.length > 3 || java.util.Arrays.stream(parts).anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("'" + text + "' is not a platform: expected os/architecture[/variant], such as linux/amd64");
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? Optional.of(parts[2]) : Optional.empty());
    }

    /** Whether an index entry's {@code platform} object is this platform; a variant only counts when this one names it. */
    public boolean matches(JsonNode platform) {
        if (platform == null || !platform.isObject()) {
            return false;
        }
        return os.equals(platform.path("os").asText())
                && architecture.equals(platform.path("architecture").asText())
                && variant.map(v -> v.equals(platform.path("variant").asText())).orElse(true);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + variant.map(v -> "/" + v).orElse("");
    }
}
