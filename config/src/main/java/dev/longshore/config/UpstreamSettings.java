package dev.longshore.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One registry that Longshore mirrors.
 *
 * @param name           the registry name clients mean ({@code docker.io}, {@code ghcr.io}, ...)
 * @param url            where to reach it: {@code https://registry-1.docker.io}, {@code http://127.0.0.1:5001}
 * @param credentials    basic credentials for the registry or its token service, if any
 * @param connectTimeout how long a TCP (and TLS) connect may take
 * @param readTimeout    how long the upstream may stay silent while we wait for headers or body bytes
 */
public record UpstreamSettings(String name, URI url, Optional<Credentials> credentials,
                               Duration connectTimeout, Duration readTimeout) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?");

    public UpstreamSettings {
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SettingsException("upstream", "name must be a registry host name such as docker.io, got '" + name + "'");
        }
        if (url == null || url.getScheme() == null || url.getHost() == null) {
            throw new SettingsException("upstream." + name, "url must be absolute, such as https://registry-1.docker.io");
        }
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new SettingsException("upstream." + name, "url scheme must be http or https, got '" + url.getScheme() + "'");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new SettingsException("upstream." + name, "timeouts must be positive");
        }
    }

    public UpstreamSettings(String name, URI url) {
        this(name, url, Optional.empty(), DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT);
    }

    public static UpstreamSettings dockerHub() {
        return new UpstreamSettings("docker.io", URI.create("https://registry-1.docker.io"));
    }

    /** Parses the {@code --upstream NAME=URL} form. */
    public static UpstreamSettings parse(String text) {
        int eq = text == null ? -1 : text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new SettingsException("--upstream", "expected NAME=URL, such as docker.io=https://registry-1.docker.io, got '" + text + "'");
        }
        URI url;
        try {
            url = URI.create(text.substring(eq + 1).trim());
        } catch (IllegalArgumentException e) {
            throw new SettingsException("--upstream", "not a URL: '" + text.substring(eq + 1) + "'");
        }
        return new UpstreamSettings(text.substring(0, eq).trim(), url);
    }

    /** True for Docker Hub, where a one-segment repository name means {@code library/<name>}. */
    public boolean isDockerHub() {
        return name.equals("docker.io") || name.equals("index.docker.io") || name.equals("registry-1.docker.io");
    }

    /** Basic credentials; {@link #toString()} never shows the password. */
    public record Credentials(String username, String password) {
        public Credentials {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=***]";
        }
    }
}
