package dev.longshore.config;

import java.net.URI;
import java.nio.file.Path;
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
 * @param tls            which certificates to trust for this upstream
 * @param tagTtl         how long a resolved tag is served without asking the upstream; empty: the
 *                       {@linkplain Settings#tagTtl() top-level default}
 * @param maxStale       how long past its TTL a tag may be served while the upstream cannot be reached; empty: no limit
 */
public record UpstreamSettings(String name, URI url, Optional<Credentials> credentials,
                               Duration connectTimeout, Duration readTimeout,
                               Tls tls, Optional<Duration> tagTtl, Optional<Duration> maxStale) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?");

    public UpstreamSettings {
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(tagTtl, "tagTtl");
        Objects.requireNonNull(maxStale, "maxStale");
        checkName("upstream", name);
        checkUrl("upstream." + name, url);
        checkTimeout("upstream." + name, connectTimeout);
        checkTimeout("upstream." + name, readTimeout);
        if (tagTtl.filter(Duration::isNegative).isPresent()) {
            throw new SettingsException("upstream." + name + ".tagTtl", "must not be negative");
        }
        if (maxStale.filter(Duration::isNegative).isPresent()) {
            throw new SettingsException("upstream." + name + ".maxStale", "must not be negative");
        }
    }

    public UpstreamSettings(String name, URI url, Optional<Credentials> credentials, Duration connectTimeout, Duration readTimeout) {
        this(name, url, credentials, connectTimeout, readTimeout, Tls.SYSTEM, Optional.empty(), Optional.empty());
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
        return isDockerHubName(name);
    }

    /** The names clients use for Docker Hub; containerd sends {@code ns=docker.io}, older tools the others. */
    public static boolean isDockerHubName(String name) {
        return name.equals("docker.io") || name.equals("index.docker.io") || name.equals("registry-1.docker.io");
    }

    public UpstreamSettings withTls(Tls newTls) {
        return new UpstreamSettings(name, url, credentials, connectTimeout, readTimeout, newTls, tagTtl, maxStale);
    }

    public UpstreamSettings withTagTtl(Duration newTagTtl) {
        return new UpstreamSettings(name, url, credentials, connectTimeout, readTimeout, tls, Optional.of(newTagTtl), maxStale);
    }

    public UpstreamSettings withMaxStale(Duration newMaxStale) {
        return new UpstreamSettings(name, url, credentials, connectTimeout, readTimeout, tls, tagTtl, Optional.of(newMaxStale));
    }

    /** Basic credentials; {@link #toString()} never shows the password. */
    /** A registry host name, as clients name the registry ({@code docker.io}, {@code registry.lab:5000}). */
    public static String checkName(String key, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SettingsException(key, "name must be a registry host name such as docker.io, got '" + name + "'");
        }
        return name;
    }

    public static Duration checkTimeout(String key, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new SettingsException(key, "timeouts must be positive");
        }
        return timeout;
    }

    /** An upstream URL Longshore can use: absolute, http or https; {@code key} names the setting in the error. */
    public static URI checkUrl(String key, URI url) {
        if (url == null || url.getScheme() == null || url.getHost() == null) {
            throw new SettingsException(key, "url must be absolute, such as https://registry-1.docker.io");
        }
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new SettingsException(key, "url scheme must be http or https, got '" + url.getScheme() + "'");
        }
        return url;
    }

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

    /**
     * Which server certificates to trust.
     *
     * @param caFile             a PEM bundle trusted in addition to the JDK's default trust store
     * @param insecureSkipVerify trust any certificate for any host: only for labs with throwaway certificates
     */
    public record Tls(Optional<Path> caFile, boolean insecureSkipVerify) {
        /** The JDK's default trust store and host name verification. */
        public static final Tls SYSTEM = new Tls(Optional.empty(), false);

        public Tls {
            Objects.requireNonNull(caFile, "caFile");
            if (caFile.isPresent() && insecureSkipVerify) {
                throw new SettingsException("insecureSkipVerify", "cannot be combined with caFile: trust the CA, or skip verification");
            }
        }
    }
}
