package dev.longshore.proxy.cli;

import dev.longshore.proxy.bundle.BundleException;
import dev.longshore.proxy.bundle.BundleWriter;
import dev.longshore.proxy.bundle.DataDirectory;
import dev.longshore.proxy.bundle.ImageReference;
import dev.longshore.proxy.bundle.Progress;
import dev.longshore.storage.CacheStorage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code longshore export}: writes cached images to an air-gap bundle, an OCI image layout tar. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write cached images to an air-gap bundle: an OCI image layout tar (oci-layout, index.json, blobs/sha256/...) "
                + "that standard tools read (skopeo inspect/copy oci-archive:FILE:NAME), and longshore import loads into another cache.",
                "Reads only the cache: no upstream is contacted. Each image is named in index.json by its full name "
                        + "(org.opencontainers.image.ref.name = docker.io/library/alpine:3.20). Platforms of an index that "
                        + "were never pulled are left out.",
                "Needs the data directory to itself: stop a serve that uses it first."})
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory to read (default: ./longshore-data).")
    Path data = Path.of("longshore-data");

    @Option(names = "--output", paramLabel = "FILE", required = true, description = "The bundle to write (replaced if it exists).")
    Path output;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Cached images, named as for docker pull: alpine:3.20, ghcr.io/org/app@sha256:...")
    List<String> images;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<ImageReference> references = new ArrayList<>();
        for (String image : images) {
            try {
                references.add(ImageReference.parse(image));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "IMAGE " + e.getMessage());
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        try (CacheStorage storage = DataDirectory.openExisting(data)) {
            BundleWriter.Result result = new BundleWriter(storage, Progress.forConsole(err)).export(references, output);
            result.skipped().forEach(skipped -> err.println("longshore export: note: " + skipped));
            PrintWriter out = spec.commandLine().getOut();
            out.println("exported " + result.images() + " image(s) to " + output + ": " + result.manifests() + " manifests, "
                    + result.blobs() + " blobs, " + Progress.size(result.bytes()));
            out.flush();
            return 0;
        } catch (BundleException e) {
            err.println("longshore export: " + e.getMessage());
            return 1;
        }
    }
}
