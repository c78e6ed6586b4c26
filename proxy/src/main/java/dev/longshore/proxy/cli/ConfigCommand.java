package dev.longshore.proxy.cli;

import dev.longshore.config.EnvironmentOverrides;
import dev.longshore.config.LifecycleSettings;
import dev.longshore.config.Settings;
import dev.longshore.config.SettingsFile;
import dev.longshore.config.SettingsProblems;
import dev.longshore.config.UpstreamSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code longshore config check}: validates settings without serving. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Work with the settings file.",
        subcommands = {ConfigCommand.Check.class, CommandLine.HelpCommand.class})
public final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: check");
    }

    /**
     * Loads the settings file with the {@code LONGSHORE_...} environment over it, exactly as {@code serve} would, and
     * stops there: exit 0 and a summary when they are usable, exit 2 and every problem (each with its key) when not.
     * No port is bound and the data directory is not opened, so it is safe to run next to a live mirror.
     */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validate a settings file (and LONGSHORE_... variables) without serving: exit 0 if usable, 2 with every problem if not.")
    public static final class Check implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", description = "The YAML settings file to check; without it, the defaults and the environment.")
        Path config;

        @Spec
        CommandSpec spec;

        /** The process environment; tests put a map of their own here. */
        Map<String, String> environment = System.getenv();

        @Override
        public Integer call() {
            SettingsProblems problems = new SettingsProblems();
            Settings settings = problems.attempt(() -> SettingsFile.load(Optional.ofNullable(config), environment), null);
            problems.attempt(() -> LifecycleSettings.load(Optional.ofNullable(config), environment), null);
            problems.throwIfAny();
            PrintWriter out = spec.commandLine().getOut();
            for (String ignored : EnvironmentOverrides.from(environment).ignored()) {
                spec.commandLine().getErr().println("longshore: warning: " + ignored + " names no setting and is ignored");
            }
            out.println((config == null ? "settings" : config.toString()) + ": ok");
            out.println("  listen       " + settings.listen());
            out.println("  data         " + settings.dataDir());
            out.println("  adminListen  " + settings.adminListen().map(Object::toString).orElse("off"));
            out.println("  accessLog    " + settings.accessLog());
            out.println("  tagTtl       " + settings.tagTtl() + (settings.offline() ? ", offline" : ""));
            for (UpstreamSettings upstream : settings.upstreams()) {
                out.println("  upstream     " + upstream.name() + " = " + upstream.url()
                        + upstream.credentials().map(c -> " (as " + c.username() + ")").orElse(""));
            }
            out.flush();
            return 0;
        }
    }
}
