package dev.longshore.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvironmentOverridesTest {
    @TempDir
    Path dir;

    private Path file(String yaml) throws Exception {
        Path file = dir.resolve("longshore.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void load_environmentVariables_overrideTheFile() throws Exception {
        Path file = file("""
                listen: 127.0.0.1:6000
                tagTtl: 10m
                offline: false
                upstreams:
                  - name: docker.io
                    url: https://registry-1.docker.io
                    username: me
                    password: from-file
                """);
        Settings settings = SettingsFile.load(Optional.of(file), Map.of(
                "LONGSHORE_LISTEN", "127.0.0.1:7000",
                "LONGSHORE_TAG_TTL", "1m",
                "LONGSHORE_OFFLINE", "true",
                "LONGSHORE_ADMIN_LISTEN", "127.0.0.1:0",
                "LONGSHORE_ACCESS_LOG", "off",
                "LONGSHORE_UPSTREAMS_0_PASSWORD", "from-env",
                "PATH", "/usr/bin"));
        assertThat(settings.listen()).isEqualTo(new HostPort("127.0.0.1", 7000));
        assertThat(settings.tagTtl()).isEqualTo(Duration.ofMinutes(1));
        assertThat(settings.offline()).isTrue();
        assertThat(settings.adminListen()).contains(new HostPort("127.0.0.1", 0));
        assertThat(settings.accessLog()).isEqualTo(AccessLogTarget.OFF);
        assertThat(settings.defaultUpstream().credentials().orElseThrow().password()).isEqualTo("from-env");
        assertThat(settings.defaultUpstream().credentials().orElseThrow().username()).isEqualTo("me");
    }

    @Test
    void load_withoutFile_upstreamVariablesChangeTheDefaultDockerHub() {
        Settings settings = SettingsFile.load(Optional.empty(), Map.of(
                "LONGSHORE_UPSTREAMS_0_USERNAME", "me",
                "LONGSHORE_UPSTREAMS_0_PASSWORD", "secret",
                "LONGSHORE_UPSTREAMS_1_NAME", "ghcr.io",
                "LONGSHORE_UPSTREAMS_1_URL", "https://ghcr.io"));
        assertThat(settings.upstreams()).extracting(UpstreamSettings::name).containsExactly("docker.io", "ghcr.io");
        assertThat(settings.defaultUpstream().url()).isEqualTo(UpstreamSettings.dockerHub().url());
        assertThat(settings.defaultUpstream().credentials().orElseThrow().username()).isEqualTo("me");
    }

    @Test
    void load_noVariables_isTheDefaults() {
        assertThat(SettingsFile.load(Optional.empty(), Map.of())).isEqualTo(Settings.defaults());
    }

    @Test
    void load_badVariable_namesTheKeyAndTheVariable() {
        assertThatThrownBy(() -> SettingsFile.load(Optional.empty(), Map.of("LONGSHORE_TAG_TTL", "5 minutes")))
                .isInstanceOfSatisfying(SettingsException.class, e -> {
                    assertThat(e.key()).isEqualTo("tagTtl (from LONGSHORE_TAG_TTL)");
                    assertThat(e.getMessage()).contains("expected a duration");
                });
    }

    @Test
    void load_upstreamIndexWithAGap_isRefusedNamingTheVariable() {
        assertThatThrownBy(() -> SettingsFile.load(Optional.empty(), Map.of("LONGSHORE_UPSTREAMS_2_NAME", "ghcr.io")))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("LONGSHORE_UPSTREAMS_2_NAME"));
    }

    @Test
    void from_variablesThatNameNoSetting_areIgnoredAndListed() {
        // Kubernetes sets <SERVICE>_PORT and friends for a Service called longshore.
        EnvironmentOverrides env = EnvironmentOverrides.from(Map.of(
                "LONGSHORE_PORT", "tcp://10.0.0.1:5000", "LONGSHORE_SERVICE_HOST", "10.0.0.1", "LONGSHORE_LISTEN", ":5000"));
        assertThat(env.ignored()).containsExactly("LONGSHORE_PORT", "LONGSHORE_SERVICE_HOST");
        assertThat(SettingsFile.load(Optional.empty(), Map.of("LONGSHORE_PORT", "tcp://10.0.0.1:5000")))
                .isEqualTo(Settings.defaults());
    }

    @Test
    void load_manyBadKeys_reportsEveryOneAtOnce() throws Exception {
        Path file = file("""
                listen: nowhere
                tagTtl: soon
                lisen: 0.0.0.0:5000
                adminListen: 127.0.0.1:99999
                upstreams:
                  - name: docker.io
                    url: https://registry-1.docker.io
                    connectTimeout: fast
                    readTimeout: 60
                  - name: ghcr.io
                    insecureSkipVerify: maybe
                """);
        assertThatThrownBy(() -> SettingsFile.load(Optional.of(file), Map.of("LONGSHORE_OFFLINE", "yes")))
                .isInstanceOfSatisfying(SettingsException.class, e -> {
                    assertThat(e.problems()).extracting(SettingsException::key).containsExactlyInAnyOrder(
                            "lisen", "listen", "tagTtl", "adminListen", "offline (from LONGSHORE_OFFLINE)",
                            "upstreams[0].connectTimeout", "upstreams[0].readTimeout",
                            "upstreams[1].url", "upstreams[1].insecureSkipVerify");
                    assertThat(e.getMessage()).startsWith("9 problems in the settings:")
                            .contains("upstreams[1].url: is required")
                            .contains("offline (from LONGSHORE_OFFLINE): expected true or false");
                });
    }

    @Test
    void variableName_isTheKeyInUpperSnakeCase() {
        assertThat(EnvironmentOverrides.variableName("tagTtl")).isEqualTo("TAG_TTL");
        assertThat(EnvironmentOverrides.variableName("insecureSkipVerify")).isEqualTo("INSECURE_SKIP_VERIFY");
        assertThat(EnvironmentOverrides.variableName("data")).isEqualTo("DATA");
    }
}
