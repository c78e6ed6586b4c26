package dev.longshore.config;

/** A listen address such as {@code 0.0.0.0:5000} or {@code [::1]:5000}; port 0 asks for any free port. */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw new SettingsException("listen", "host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new SettingsException("listen", "port must be 0..65535, got " + port);
        }
    }

    /** Parses {@code HOST:PORT}, {@code [V6]:PORT} or {@code :PORT} (all interfaces); {@code key} names the setting in errors. */
    public static HostPort parse(String key, String text) {
        String value = text == null ? "" : text.trim();
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new SettingsException(key, "expected HOST:PORT, got '" + value + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new SettingsException(key, "expected a port number after ':', got '" + value + "'");
        }
        if (port < 0 || port > 65535) {
            throw new SettingsException(key, "port must be 0..65535, got " + port);
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
