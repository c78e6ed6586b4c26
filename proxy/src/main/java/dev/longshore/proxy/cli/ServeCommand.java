package dev.longshore.proxy.cli;

import dev.longshore.config.Durations;
import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.config.SettingsFile;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.LongshoreServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code longshore serve}: runs the mirror until SIGTERM or SIGINT. Flags override the settings file. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the mirror. With no options: a Docker Hub mirror on 0.0.0.0:5000 with its data in ./longshore-data.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file; flags override it.")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Where the registry API listens (default: 0.0.0.0:5000).")
    String listen;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory for blobs and the index (default: ./longshore-data).")
    Path data;

    @Option(names = "--upstream", paramLabel = "NAME=URL",
            description = "A registry to mirror, e.g. docker.io=https://registry-1.docker.io; repeatable. The first is the default.")
    List<String> upstreams;

    @Option(names = "--tag-ttl", paramLabel = "DURATION",
            description = "How long a resolved tag is served from the cache before the upstream is asked again, e.g. 30s, 5m, 1h "
                    + "(default: 5m; an upstream's own tagTtl in the settings file wins).")
    String tagTtl;

    @Option(names = "--offline", description = "Never contact an upstream: serve what is cached, answer 404 for the rest.")
    boolean offline;

    /** The settings these options stand for, validated. */
    public Settings settings() {
        Settings settings = config == null ? Settings.defaults() : SettingsFile.load(config);
        if (listen != null) {
            settings = settings.withListen(HostPort.parse("--listen", listen));
        }
        if (data != null) {
            settings = settings.withDataDir(data);
        }
        if (upstreams != null && !upstreams.isEmpty()) {
            settings = settings.withUpstreams(upstreams.stream().map(UpstreamSettings::parse).toList());
        }
        if (tagTtl != null) {
            settings = settings.withTagTtl(Durations.parse("--tag-ttl", tagTtl));
        }
        if (offline) {
            settings = settings.withOffline(true);
        }
        return settings;
    }

    @Override
    public Integer call() throws Exception {
        Settings settings = settings();
        LongshoreServer server = LongshoreServer.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "longshore-shutdown"));
        stopped.await();
        return 0;
    }
}
