package dev.longshore.proxy.it;

import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.config.SettingsFile;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.LongshoreServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Longshore the e2e tests pull through: {@link LongshoreServer} on 127.0.0.1 and a free port, with
 * {@code docker.io} (the default upstream) pointing at the test's {@link UpstreamRegistry}.
 *
 * <p>Harness self-check: with {@code -Dlongshore.it.direct=true} no Longshore is started and the clients talk to
 * the upstream registry itself. Every "matches upstream" check then runs against the reference registry, which
 * proves the test harness; the cache-only steps (upstream stopped) are skipped, since nothing caches.
 */
final class LongshoreUnderTest implements AutoCloseable {

    static final boolean DIRECT = Boolean.getBoolean("longshore.it.direct");

    private final LongshoreServer server;
    private final String hostPort;

    private LongshoreUnderTest(LongshoreServer server, String hostPort) {
        this.server = server;
        this.hostPort = hostPort;
    }

    static LongshoreUnderTest start(UpstreamRegistry upstream, Path dataDir) throws Exception {
        if (DIRECT) {
            return new LongshoreUnderTest(null, upstream.hostPort());
        }
        Settings settings = new Settings(new HostPort("127.0.0.1", 0), dataDir,
                List.of(new UpstreamSettings("docker.io", upstream.url())));
        LongshoreServer server = LongshoreServer.start(settings);
        return new LongshoreUnderTest(server, "127.0.0.1:" + server.address().getPort());
    }

    /**
     * Longshore with {@code --offline} on {@code dataDir}: it serves only what that cache holds and never contacts the
     * upstream, which stays configured so that routing is as in production.
     */
    static LongshoreUnderTest startOffline(UpstreamRegistry upstream, Path dataDir) throws Exception {
        Settings settings = new Settings(new HostPort("127.0.0.1", 0), dataDir,
                List.of(new UpstreamSettings("docker.io", upstream.url()))).withOffline(true);
        LongshoreServer server = LongshoreServer.start(settings);
        return new LongshoreUnderTest(server, "127.0.0.1:" + server.address().getPort());
    }

    /**
     * Longshore as a user would configure it: a YAML settings file (as for {@code --config}) with its listen address
     * replaced by 127.0.0.1 and a free port, and its data directory by {@code dataDir}.
     */
    static LongshoreUnderTest startWithConfig(String yaml, Path dataDir) throws Exception {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolveSibling(dataDir.getFileName() + ".yaml");
        Files.writeString(file, yaml);
        Settings settings = SettingsFile.load(file)
                .withListen(new HostPort("127.0.0.1", 0))
                .withDataDir(dataDir)
                // The file's default admin port would collide between test classes running side by side.
                .withAdminListen(java.util.Optional.empty());
        LongshoreServer server = LongshoreServer.start(settings);
        return new LongshoreUnderTest(server, "127.0.0.1:" + server.address().getPort());
    }

    /** {@code 127.0.0.1:<port>}: Longshore's name in image references ({@code 127.0.0.0/8} is an insecure registry by default). */
    String hostPort() {
        return hostPort;
    }

    /** False in the harness self-check, where there is no cache to pull from while the upstream is down. */
    boolean caches() {
        return server != null;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
