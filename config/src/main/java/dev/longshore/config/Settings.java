package dev.longshore.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a running Longshore needs to know, validated: a {@code Settings} that exists is usable.
 *
 * @param listen    where the registry API listens
 * @param dataDir   the cache's data directory (blobs, index, temp files)
 * @param upstreams the registries Longshore mirrors; the first is the default for requests that name none
 * @param tagTtl    how long a resolved tag is served from the cache before the upstream is asked again, for upstreams
 *                  that set no {@link UpstreamSettings#tagTtl()} of their own
 * @param offline   never contact an upstream: serve what is cached, and answer 404 for the rest
 * @param adminListen where the admin listener ({@code /metrics}, {@code /healthz}, {@code /readyz}, {@code /admin/...})
 *                    listens; empty: no admin listener
 * @param accessLog   where the JSON access log goes
 */
public record Settings(HostPort listen, Path dataDir, List<UpstreamSettings> upstreams, Duration tagTtl, boolean offline,
                       Optional<HostPort> adminListen, AccessLogTarget accessLog) {

    public static final HostPort DEFAULT_LISTEN = new HostPort("0.0.0.0", 5000);
    public static final Path DEFAULT_DATA_DIR = Path.of("longshore-data");
    /**
     * Five minutes: a moved tag ({@code latest}, {@code 3}) shows up within minutes, while a busy tag costs at most
     * one upstream HEAD per five minutes, which Docker Hub does not count as a pull.
     */
    public static final Duration DEFAULT_TAG_TTL = Duration.ofMinutes(5);
    /**
     * Loopback, so metrics and the admin API are not open to the network unless asked; port 5080 rather than 5001,
     * which local registries (kind's, for one) commonly take.
     */
    public static final HostPort DEFAULT_ADMIN_LISTEN = new HostPort("127.0.0.1", 5080);

    public Settings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(tagTtl, "tagTtl");
        Objects.requireNonNull(adminListen, "adminListen");
        Objects.requireNonNull(accessLog, "accessLog");
        upstreams = List.copyOf(upstreams);
        if (upstreams.isEmpty()) {
            throw new SettingsException("upstreams", "at least one upstream is required");
        }
        long distinct = upstreams.stream().map(UpstreamSettings::name).distinct().count();
        if (distinct != upstreams.size()) {
            throw new SettingsException("upstreams", "each upstream name may appear only once");
        }
        if (tagTtl.isNegative()) {
            throw new SettingsException("tagTtl", "must not be negative");
        }
    }

    public Settings(HostPort listen, Path dataDir, List<UpstreamSettings> upstreams) {
        this(listen, dataDir, upstreams, DEFAULT_TAG_TTL, false);
    }

    /** For embedding and tests: no admin listener (two servers in one JVM must not fight over its port), access log to stdout. */
    public Settings(HostPort listen, Path dataDir, List<UpstreamSettings> upstreams, Duration tagTtl, boolean offline) {
        this(listen, dataDir, upstreams, tagTtl, offline, Optional.empty(), AccessLogTarget.STDOUT);
    }

    /**
     * Embedded defaults: a Docker Hub mirror on port 5000 with its data in ./longshore-data, the admin listener on
     * 127.0.0.1:5080 and the access log on stdout.
     */
    public static Settings defaults() {
        return new Settings(DEFAULT_LISTEN, DEFAULT_DATA_DIR, List.of(UpstreamSettings.dockerHub()))
                .withAdminListen(Optional.of(DEFAULT_ADMIN_LISTEN));
    }

    public UpstreamSettings defaultUpstream() {
        return upstreams.get(0);
    }

    public Optional<UpstreamSettings> upstream(String name) {
        return upstreams.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    /** The tag TTL that applies to {@code upstream}: its own, else the top-level one. */
    public Duration tagTtl(UpstreamSettings upstream) {
        return upstream.tagTtl().orElse(tagTtl);
    }

    public Settings withListen(HostPort newListen) {
        return new Settings(newListen, dataDir, upstreams, tagTtl, offline, adminListen, accessLog);
    }

    public Settings withDataDir(Path newDataDir) {
        return new Settings(listen, newDataDir, upstreams, tagTtl, offline, adminListen, accessLog);
    }

    public Settings withUpstreams(List<UpstreamSettings> newUpstreams) {
        return new Settings(listen, dataDir, newUpstreams, tagTtl, offline, adminListen, accessLog);
    }

    public Settings withTagTtl(Duration newTagTtl) {
        return new Settings(listen, dataDir, upstreams, newTagTtl, offline, adminListen, accessLog);
    }

    public Settings withOffline(boolean newOffline) {
        return new Settings(listen, dataDir, upstreams, tagTtl, newOffline, adminListen, accessLog);
    }

    public Settings withAdminListen(Optional<HostPort> newAdminListen) {
        return new Settings(listen, dataDir, upstreams, tagTtl, offline, newAdminListen, accessLog);
    }

    public Settings withAccessLog(AccessLogTarget newAccessLog) {
        return new Settings(listen, dataDir, upstreams, tagTtl, offline, adminListen, newAccessLog);
    }
}
