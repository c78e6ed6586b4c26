package dev.longshore.benchmarks.load;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The load generator benchmarks/run drives, one subcommand per scenario; each appends one JSON line of figures to
 * {@code --results}. Run by hand against a running mirror:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.longshore.benchmarks.load.LoadGenerator manifests \
 *     --mirror longshore --base http://127.0.0.1:5000 --seed seed.json --results results.jsonl --method HEAD
 * </pre>
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Benchmark scenarios against a registry mirror.",
        subcommands = {ColdPullScenario.class, ColdBlobScenario.class, ColdFirstByteScenario.class,
                WarmBlobScenario.class, ManifestLoadScenario.class, PeakMemoryCommand.class,
                CommandLine.HelpCommand.class})
public final class LoadGenerator {

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new LoadGenerator());
        commandLine.setExecutionExceptionHandler((e, cmd, ignored) -> {
            cmd.getErr().println("load " + cmd.getCommandName() + ": " + e);
            return 2;
        });
        System.exit(commandLine.execute(args));
    }
}
