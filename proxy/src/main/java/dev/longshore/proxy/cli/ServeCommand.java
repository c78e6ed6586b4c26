package dev.longshore.proxy.cli;

import dev.longshore.config.AccessLogTarget;
import dev.longshore.config.Durations;
import dev.longshore.config.EnvironmentOverrides;
import dev.longshore.config.HostPort;
import dev.longshore.config.LifecycleSettings;
import dev.longshore.config.Sizes;
import dev.longshore.config.Settings;
import dev.longshore.config.SettingsFile;
import dev.longshore.config.SettingsProblems;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.LongshoreServer;
import dev.longshore.proxy.fill.FillLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code longshore serve}: runs the mirror until SIGTERM or SIGINT. {@code LONGSHORE_...} environment variables
 * override the settings file, flags override both.
 */
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

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT|off",
            description = "Where metrics (/metrics), health (/healthz, /readyz) and the admin API (/admin/...) listen "
                    + "(default: 127.0.0.1:5080; off: nowhere).")
    String adminListen;

    @Option(names = "--access-log", paramLabel = "FILE|-|off",
            description = "Where the JSON access log goes: - for standard output (the default), a file to append to, or off.")
    String accessLog;

    @Option(names = "--max-size", paramLabel = "SIZE",
            description = "Budget for cached blobs, e.g. 500GiB; least recently used blobs are evicted above 95%% of it, down to 85%% "
                    + "(default: none, or maxSize in the settings file).")
    String maxSize;

    @Option(names = "--pin", paramLabel = "IMAGE",
            description = "An image never evicted or collected, e.g. docker.io/library/alpine:3.20; repeatable, added to the settings file's pins.")
    List<String> pins;

    /** The process environment; tests put a map of their own here. */
    Map<String, String> environment = System.getenv();

    /**
     * The settings these options stand for, validated: the file, then the environment, then the flags. Every problem
     * in any of them is reported at once, in one {@link dev.longshore.config.SettingsException}.
     */
    public Settings settings() {
        SettingsProblems problems = new SettingsProblems();
        Settings settings = problems.attempt(() -> SettingsFile.load(Optional.ofNullable(config), environment), Settings.defaults());
        if (listen != null) {
            settings = flag(problems, settings, s -> s.withListen(HostPort.parse("--listen", listen)));
        }
        if (data != null) {
            settings = flag(problems, settings, s -> s.withDataDir(data));
        }
        if (upstreams != null && !upstreams.isEmpty()) {
            settings = flag(problems, settings, s -> s.withUpstreams(upstreams.stream().map(UpstreamSettings::parse).toList()));
        }
        if (tagTtl != null) {
            settings = flag(problems, settings, s -> s.withTagTtl(Durations.parse("--tag-ttl", tagTtl)));
        }
        if (offline) {
            settings = settings.withOffline(true);
        }
        if (adminListen != null) {
            settings = flag(problems, settings, s -> s.withAdminListen(SettingsFile.adminListen("--admin-listen", adminListen)));
        }
        if (accessLog != null) {
            settings = flag(problems, settings, s -> s.withAccessLog(AccessLogTarget.parse("--access-log", accessLog)));
        }
        problems.throwIfAny();
        return settings;
    }

    /** Budgets, pins and GC: the settings file's, the environment over it, {@code --max-size} and {@code --pin} on top. */
    public LifecycleSettings lifecycleSettings() {
        LifecycleSettings lifecycle = LifecycleSettings.load(Optional.ofNullable(config), environment);
        if (maxSize != null) {
            lifecycle = lifecycle.withMaxSize(Sizes.parse("--max-size", maxSize));
        }
        if (pins != null && !pins.isEmpty()) {
            lifecycle = lifecycle.withPins(java.util.stream.Stream.concat(lifecycle.pins().stream(), pins.stream()).toList());
        }
        return lifecycle;
    }

    /** {@code LONGSHORE_...} variables that name no setting, for a warning (they may be a typo). */
    public List<String> ignoredEnvironment() {
        return EnvironmentOverrides.from(environment).ignored();
    }

    private static Settings flag(SettingsProblems problems, Settings settings, java.util.function.UnaryOperator<Settings> change) {
        return problems.attempt(() -> change.apply(settings), settings);
    }

    @Override
    public Integer call() throws Exception {
        Settings settings = settings();
        for (String ignored : ignoredEnvironment()) {
            System.err.println("longshore: warning: " + ignored + " names no setting and is ignored");
        }
        LongshoreServer server = LongshoreServer.start(settings, lifecycleSettings(), java.time.Clock.systemUTC(), FillLimits.DEFAULTS);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "longshore-shutdown"));
        stopped.await();
        return 0;
    }
}
