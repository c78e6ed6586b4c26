package dev.longshore.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the access log's JSON lines go: standard output ({@code -}, the default, for journald and container logs),
 * a file (appended to), or nowhere ({@code off}).
 */
public sealed interface AccessLogTarget {
    Stdout STDOUT = new Stdout();
    Off OFF = new Off();

    record Stdout() implements AccessLogTarget {
        @Override
        public String toString() {
            return "-";
        }
    }

    record Off() implements AccessLogTarget {
        @Override
        public String toString() {
            return "off";
        }
    }

    record File(Path path) implements AccessLogTarget {
        public File {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** {@code -}, {@code off} or a file path; {@code key} names the setting in errors. */
    static AccessLogTarget parse(String key, String text) {
        String value = text == null ? "" : text.trim();
        if (value.isEmpty()) {
            throw new SettingsException(key, "expected '-' (standard output), 'off' or a file path");
        }
        return switch (value) {
            case "-" -> STDOUT;
            case "off", "false" -> OFF; // YAML reads a bare off as false
            default -> new File(Path.of(value));
        };
    }
}
