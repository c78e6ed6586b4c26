package dev.longshore.proxy.cli;

import dev.longshore.proxy.bundle.BundleException;
import dev.longshore.proxy.bundle.BundleImporter;
import dev.longshore.proxy.bundle.DataDirectory;
import dev.longshore.proxy.bundle.Progress;
import dev.longshore.storage.CacheStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

/** {@code longshore import}: loads an air-gap bundle into a cache, verifying every digest. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Load an air-gap bundle (written by longshore export: an OCI image layout tar whose index.json names each "
                + "image in full, org.opencontainers.image.ref.name = docker.io/library/alpine:3.20) into a cache.",
                "Every manifest and blob is checked against its digest; if any does not match, nothing is imported. "
                        + "Tags are recorded under the registry their name gives, so serve --offline serves them.",
                "Needs the data directory to itself: stop a serve that uses it first."})
public final class ImportCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory to load into; created if missing (default: ./longshore-data).")
    Path data = Path.of("longshore-data");

    @Parameters(index = "0", paramLabel = "FILE", description = "The bundle to load.")
    Path bundle;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(bundle)) {
            err.println("longshore import: no bundle at " + bundle.toAbsolutePath());
            return 1;
        }
        try (CacheStorage storage = DataDirectory.open(data)) {
            BundleImporter.Result result = new BundleImporter(storage, Clock.systemUTC(), Progress.forConsole(err)).importBundle(bundle);
            PrintWriter out = spec.commandLine().getOut();
            out.println("imported " + result.images() + " image(s) into " + data + ": " + result.manifests() + " manifests, "
                    + result.blobs() + " blobs (" + result.blobsAlreadyCached() + " already cached), "
                    + Progress.size(result.bytes()) + ", every digest verified");
            out.flush();
            return 0;
        } catch (BundleException e) {
            err.println("longshore import: " + e.getMessage());
            return 1;
        }
    }
}
