package dev.longshore.proxy.cli;

import dev.longshore.proxy.bundle.BundleException;
import dev.longshore.proxy.bundle.CachedImages;
import dev.longshore.proxy.bundle.DataDirectory;
import dev.longshore.proxy.bundle.Progress;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code longshore ls}: what is cached, one line per tag. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List what is cached: upstream, repository, tag, manifest digest and the bytes its cached content takes "
                + "(manifests, configs and layers; '-' where only the tag's digest is known).",
                "Needs the data directory to itself: stop a serve that uses it first."})
public final class LsCommand implements Callable<Integer> {

    private static final String[] HEADER = {"UPSTREAM", "REPOSITORY", "TAG", "DIGEST", "SIZE"};

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory to list (default: ./longshore-data).")
    Path data = Path.of("longshore-data");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        try (CacheStorage storage = DataDirectory.openExisting(data)) {
            for (CachedImages.Row row : new CachedImages(storage).rows()) {
                rows.add(new String[]{row.upstream(), row.repository(), row.tag(),
                        row.digest().map(Digest::toString).orElse("-"), row.size().map(Progress::size).orElse("-")});
            }
        } catch (BundleException e) {
            spec.commandLine().getErr().println("longshore ls: " + e.getMessage());
            return 1;
        }
        int[] widths = new int[HEADER.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
        return 0;
    }
}
