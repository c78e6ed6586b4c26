package dev.longshore.proxy.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.longshore.config.AccessLogTarget;
import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.config.SettingsFile;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.LongshoreServer;
import dev.longshore.proxy.bundle.BundleException;
import dev.longshore.proxy.bundle.DataDirectory;
import dev.longshore.proxy.bundle.ImageReference;
import dev.longshore.proxy.bundle.Platform;
import dev.longshore.proxy.bundle.Progress;
import dev.longshore.proxy.bundle.Warmer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code longshore warm}: fills the cache through the configured upstreams. It runs a Longshore on a loopback port
 * against the data directory and pulls every image through it over HTTP, so the cache holds exactly what a client's
 * pull would have left, stored by the same code. Calling the services directly would mean driving Netty's chunked
 * replies and releasing their buffers by hand, and repeating the routing; a loopback copy costs nothing next to the
 * upstream transfer.
 */
@Command(name = "warm", mixinStandardHelpOptions = true,
        description = {"Fill the cache through the configured upstreams, as pulls would: each IMAGE's manifest, for an index "
                + "every platform's manifest (or only --platform's), and every config and layer.",
                "IMAGE is named as for docker pull: alpine:3.20, docker.io/library/alpine:3.20, registry.lab:5000/team/app@sha256:...; "
                        + "its registry (docker.io when none is given) must be a configured upstream.",
                "Needs the data directory to itself: stop a serve that uses it first."})
public final class WarmCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file (its upstreams and data directory); flags override it.")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory to fill (default: the settings file's, else ./longshore-data).")
    Path data;

    @Option(names = "--upstream", paramLabel = "NAME=URL",
            description = "A registry to pull from, e.g. docker.io=https://registry-1.docker.io; repeatable; replaces the settings file's.")
    List<String> upstreams;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Of a multi-platform image, only this platform's manifest and layers, e.g. linux/amd64 (default: every platform).")
    String platform;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Images to warm.")
    List<String> images;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            return warm();
        } catch (BundleException e) {
            spec.commandLine().getErr().println("longshore warm: " + e.getMessage());
            return 1;
        }
    }

    private int warm() throws Exception {
        List<ImageReference> references = new ArrayList<>();
        for (String image : images) {
            try {
                references.add(ImageReference.parse(image));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "IMAGE " + e.getMessage());
            }
        }
        Optional<Platform> only;
        try {
            only = platform == null ? Optional.empty() : Optional.of(Platform.parse(platform));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--platform: " + e.getMessage());
        }
        Settings settings = settings();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (settings.offline()) {
            err.println("longshore warm: the settings say offline: true, and warming needs the upstreams");
            return 2;
        }

        // The embedded server's INFO lines (listening on, fills) would only interleave with the progress output.
        Logger longshoreLog = (Logger) LoggerFactory.getLogger("dev.longshore");
        Level previous = longshoreLog.getLevel();
        longshoreLog.setLevel(Level.WARN);
        int failed = 0;
        long bytes = 0;
        long fetched = 0;
        try (LongshoreServer server = start(settings);
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(10)).build()) {
            URI mirror = URI.create("http://127.0.0.1:" + server.address().getPort());
            Warmer warmer = new Warmer(http, mirror, settings.upstreams(), Progress.forConsole(err));
            for (ImageReference reference : references) {
                try {
                    Warmer.Result result = warmer.warm(reference, only);
                    bytes += result.bytes();
                    fetched += result.fromUpstream();
                } catch (BundleException | IOException e) {
                    err.println("longshore warm: " + e.getMessage());
                    err.flush();
                    failed++;
                }
            }
        } finally {
            longshoreLog.setLevel(previous);
        }
        out.println("warmed " + (references.size() - failed) + " of " + references.size() + " image(s) into "
                + settings.dataDir() + ": " + Progress.size(bytes) + " of blobs, " + Progress.size(fetched) + " fetched from upstreams");
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private Settings settings() {
        Settings settings = config == null ? Settings.defaults() : SettingsFile.load(config);
        if (data != null) {
            settings = settings.withDataDir(data);
        }
        if (upstreams != null && !upstreams.isEmpty()) {
            settings = settings.withUpstreams(upstreams.stream().map(UpstreamSettings::parse).toList());
        }
        // Only this process talks to the embedded server: loopback, any free port, no admin listener, no access log.
        return settings.withListen(new HostPort("127.0.0.1", 0))
                .withAdminListen(Optional.empty())
                .withAccessLog(AccessLogTarget.OFF);
    }

    private static LongshoreServer start(Settings settings) throws Exception {
        try {
            return LongshoreServer.start(settings);
        } catch (IOException e) {
            throw DataDirectory.explain(settings.dataDir(), e);
        }
    }
}
