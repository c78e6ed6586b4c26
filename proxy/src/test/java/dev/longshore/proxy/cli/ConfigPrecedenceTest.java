package dev.longshore.proxy.cli;

import dev.longshore.config.AccessLogTarget;
import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.config.SettingsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.longshore.proxy.Main;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigPrecedenceTest {
    @TempDir
    Path dir;

    private ServeCommand serve(Map<String, String> environment, String... args) {
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs(args);
        command.environment = environment;
        return command;
    }

    @Test
    void settings_environmentOverridesFile_andFlagsOverrideBoth() throws Exception {
        Path file = dir.resolve("longshore.yaml");
        Files.writeString(file, """
                listen: 127.0.0.1:6000
                tagTtl: 10m
                adminListen: 127.0.0.1:6001
                accessLog: /var/log/longshore/access.jsonl
                """);
        Map<String, String> env = Map.of("LONGSHORE_LISTEN", "127.0.0.1:7000", "LONGSHORE_TAG_TTL", "1m",
                "LONGSHORE_ADMIN_LISTEN", "127.0.0.1:7001");

        Settings fileAndEnv = serve(env, "--config", file.toString()).settings();
        assertThat(fileAndEnv.listen()).isEqualTo(new HostPort("127.0.0.1", 7000));
        assertThat(fileAndEnv.tagTtl()).isEqualTo(Duration.ofMinutes(1));
        assertThat(fileAndEnv.adminListen()).contains(new HostPort("127.0.0.1", 7001));
        assertThat(fileAndEnv.accessLog()).isEqualTo(new AccessLogTarget.File(Path.of("/var/log/longshore/access.jsonl")));

        Settings all = serve(env, "--config", file.toString(), "--listen", "127.0.0.1:8000", "--admin-listen", "off",
                "--access-log", "-").settings();
        assertThat(all.listen()).isEqualTo(new HostPort("127.0.0.1", 8000));
        assertThat(all.tagTtl()).isEqualTo(Duration.ofMinutes(1)); // no flag: the environment's
        assertThat(all.adminListen()).isEmpty();
        assertThat(all.accessLog()).isEqualTo(AccessLogTarget.STDOUT);
    }

    @Test
    void settings_problemsInFileEnvironmentAndFlags_allReportedTogether() throws Exception {
        Path file = dir.resolve("longshore.yaml");
        Files.writeString(file, "tagTtl: often\n");
        assertThatThrownBy(() -> serve(Map.of("LONGSHORE_ADMIN_LISTEN", "loopback"), "--config", file.toString(),
                "--listen", "nowhere").settings())
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.problems()).extracting(SettingsException::key)
                        .containsExactly("tagTtl", "adminListen (from LONGSHORE_ADMIN_LISTEN)", "--listen"));
    }

    @Test
    void settings_noFileNoEnvironmentNoFlags_areTheDefaults() {
        assertThat(serve(Map.of()).settings()).isEqualTo(Settings.defaults());
        assertThat(Settings.defaults().adminListen()).contains(Settings.DEFAULT_ADMIN_LISTEN);
    }

    @Test
    void configCheck_goodFile_exitsZero_badFile_exitsTwoNamingEveryKey() throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "listen: 127.0.0.1:6000\nadminListen: off\n");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                listen: 127.0.0.1:70000
                accesLog: typo
                upstreams:
                  - name: docker.io
                    url: https://registry-1.docker.io
                    readTimeout: forever
                """);

        Captured ok = run("config", "check", "--config", good.toString());
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("ok").contains("listen       127.0.0.1:6000").contains("adminListen  off");

        Captured failed = run("config", "check", "--config", bad.toString());
        assertThat(failed.exitCode()).isEqualTo(2);
        assertThat(failed.err()).contains("3 problems").contains("listen:").contains("accesLog:")
                .contains("upstreams[0].readTimeout:");

        Captured missing = run("config", "check", "--config", dir.resolve("none.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).containsOnlyOnce("no such file");

        // A syntax error is one problem, said once, in one line with its place.
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "listen: [\n");
        Captured unparsable = run("config", "check", "--config", broken.toString());
        assertThat(unparsable.exitCode()).isEqualTo(2);
        assertThat(unparsable.err()).containsOnlyOnce("is not valid YAML (line 1, column 10)").doesNotContain("^");
        assertThat(unparsable.err().strip().lines()).hasSize(1);
    }

    @Test
    void serve_badSettings_exitsTwoBeforeBindingAnything() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "listen: 127.0.0.1:0\ndata: " + dir.resolve("data") + "\ntagTtl: x\n");
        Captured failed = run("serve", "--config", bad.toString());
        assertThat(failed.exitCode()).isEqualTo(2);
        assertThat(failed.err()).contains("tagTtl");
        assertThat(dir.resolve("data")).doesNotExist(); // nothing was opened, so nothing was bound either
    }

    private record Captured(int exitCode, String out, String err) {
    }

    /** {@link Main#run} with stdout and stderr captured; picocli writes to whatever System.out/err are when it starts. */
    private static synchronized Captured run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Captured(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
