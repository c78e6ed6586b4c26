package dev.longshore.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a running Longshore needs to know, validated: a {@code Settings} that exists is usable.
 *
 * @param listen    where the registry API listens
 * @param dataDir   the cache's data directory (blobs, index, temp files)
 * @param upstreams the registries Longshore mirrors; the first is the default for requests that name none
 */
public record Settings(HostPort listen, Path dataDir, List<UpstreamSettings> upstreams) {

    public static final HostPort DEFAULT_LISTEN = new HostPort("0.0.0.0", 5000);
    public static final Path DEFAULT_DATA_DIR = Path.of("longshore-data");

    public Settings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(dataDir, "dataDir");
        upstreams = List.copyOf(upstreams);
        if (upstreams.isEmpty()) {
            throw new SettingsException("upstreams", "at least one upstream is required");
        }
        long distinct = upstreams.stream().map(UpstreamSettings::name).distinct().count();
        if (distinct != upstreams.size()) {
            throw new SettingsException("upstreams", "each upstream name may appear only once");
        }
    }

    /** Embedded defaults: a Docker Hub mirror on port 5000 with its data in ./longshore-data. */
    public static Settings defaults() {
        return new Settings(DEFAULT_LISTEN, DEFAULT_DATA_DIR, List.of(UpstreamSettings.dockerHub()));
    }

    public UpstreamSettings defaultUpstream() {
        return upstreams.get(0);
    }

    public Optional<UpstreamSettings> upstream(String name) {
        return upstreams.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    public Settings withListen(HostPort newListen) {
        return new Settings(newListen, dataDir, upstreams);
    }

    public Settings withDataDir(Path newDataDir) {
        return new Settings(listen, newDataDir, upstreams);
    }

    public Settings withUpstreams(List<UpstreamSettings> newUpstreams) {
        return new Settings(listen, dataDir, newUpstreams);
    }
}
