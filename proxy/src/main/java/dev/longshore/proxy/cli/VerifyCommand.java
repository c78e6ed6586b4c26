package dev.longshore.proxy.cli;

import dev.longshore.config.Sizes;
import dev.longshore.proxy.lifecycle.Verifier;
import dev.longshore.storage.CacheStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code longshore verify --data DIR}: checks every blob and the index; exit 0 if all is well, 1 if anything was found. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Rehash every cached blob and check the index against the files both ways; quarantine what is corrupt "
                + "(under DIR/quarantine/). Exits 1 if it found anything. The server must not be running on DIR.")
public final class VerifyCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR", required = true, description = "The data directory to check.")
    Path data;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Verifier.Report report;
        try (CacheStorage storage = CacheStorage.open(data)) {
            report = new Verifier(storage).run();
        }
        report.findings().forEach(out::println);
        out.println((report.clean() ? "OK: " : "FOUND " + report.findings().size() + " problem(s): ") + report.blobsChecked()
                + " blob(s), " + Sizes.format(report.bytesChecked()) + " checked in " + data.toAbsolutePath());
        out.flush();
        return report.clean() ? 0 : 1;
    }
}
