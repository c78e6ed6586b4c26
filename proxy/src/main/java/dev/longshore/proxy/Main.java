package dev.longshore.proxy;

import dev.longshore.config.SettingsException;
import dev.longshore.proxy.cli.ConfigCommand;
import dev.longshore.proxy.cli.ExportCommand;
import dev.longshore.proxy.cli.ImportCommand;
import dev.longshore.proxy.cli.LsCommand;
import dev.longshore.proxy.cli.GcCommand;
import dev.longshore.proxy.cli.ServeCommand;
import dev.longshore.proxy.cli.VerifyCommand;
import dev.longshore.proxy.cli.WarmCommand;
import dev.longshore.storage.DataDirectoryInUseException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code java -jar longshore.jar [serve] [options]}; with no command it serves on the embedded defaults. */
@Command(name = "longshore", mixinStandardHelpOptions = true, version = "longshore 0.1.0",
        description = "A pull-through caching mirror for container registries.",
        subcommands = {ServeCommand.class, GcCommand.class, VerifyCommand.class, ConfigCommand.class, WarmCommand.class, ExportCommand.class, ImportCommand.class, LsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        return new ServeCommand().call();
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code: 0 ok, 2 bad usage or settings, 1 a failure while running. */
    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setParameterExceptionHandler((e, ignored) -> {
            e.getCommandLine().getErr().println("longshore: " + e.getMessage() + " (see --help)");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, ignored) -> {
            if (e instanceof SettingsException) {
                cmd.getErr().println("longshore: " + e.getMessage());
                return 2;
            }
            if (e instanceof DataDirectoryInUseException) {
                cmd.getErr().println("longshore: " + e.getMessage());
                return 1;
            }
            cmd.getErr().println("longshore: " + e);
            return 1;
        });
        return commandLine.execute(args);
    }
}
