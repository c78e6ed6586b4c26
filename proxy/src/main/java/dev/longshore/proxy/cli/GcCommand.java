package dev.longshore.proxy.cli;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.config.Settings;
import dev.longshore.config.SettingsFile;
import dev.longshore.config.Sizes;
import dev.longshore.proxy.lifecycle.GarbageCollector;
import dev.longshore.proxy.lifecycle.ImageReference;
import dev.longshore.proxy.lifecycle.Pins;
import dev.longshore.storage.CacheStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code longshore gc --data DIR}: one garbage collection, now, on a data dir no server has open. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Drop tags and manifests not pulled for gcAge and blobs no cached manifest references (older than gcGrace). "
                + "The server does this hourly by itself; it must not be running on DIR.")
public final class GcCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Settings file, for its gcAge, gcGrace, pins and upstreams.")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "The data directory (default: the settings file's, else ./longshore-data).")
    Path data;

    @Option(names = "--pin", paramLabel = "IMAGE", description = "An image to keep whatever its age; repeatable.")
    List<String> pins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Settings settings = SettingsFile.load(Optional.ofNullable(config), System.getenv());
        LifecycleSettings lifecycle = config == null ? LifecycleSettings.DEFAULTS : LifecycleSettings.load(config);
        if (pins != null) {
            lifecycle = lifecycle.withPins(java.util.stream.Stream.concat(lifecycle.pins().stream(), pins.stream()).toList());
        }
        String defaultUpstream = settings.defaultUpstream().name();
        Pins pinned = new Pins(lifecycle.pins().stream().map(p -> ImageReference.parse("--pin", p, defaultUpstream)).toList());
        Path dataDir = data != null ? data : settings.dataDir();
        GarbageCollector.Result result;
        try (CacheStorage storage = CacheStorage.open(dataDir)) {
            result = new GarbageCollector(storage, lifecycle, pinned).run();
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("GC of " + dataDir.toAbsolutePath() + ": dropped " + result.tags() + " tag(s), " + result.manifests()
                + " manifest(s) and " + result.blobs() + " blob(s) (" + Sizes.format(result.bytes()) + ")");
        out.flush();
        return 0;
    }
}
