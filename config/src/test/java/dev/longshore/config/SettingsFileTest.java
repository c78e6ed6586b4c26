package dev.longshore.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsFileTest {
    @TempDir
    Path dir;

    private Settings load(String yaml) throws Exception {
        Path file = dir.resolve("longshore.yaml");
        Files.writeString(file, yaml);
        return SettingsFile.load(file);
    }

    @Test
    void load_fullFile_overridesEveryDefault() throws Exception {
        Settings settings = load("""
                listen: 127.0.0.1:6000
                data: /srv/cache
                upstreams:
                  - name: ghcr.io
                    url: https://ghcr.io
                    username: me
                    password: secret
                    connectTimeout: 2s
                    readTimeout: 1m
                  - name: docker.io
                    url: https://registry-1.docker.io
                """);
        assertThat(settings.listen()).isEqualTo(new HostPort("127.0.0.1", 6000));
        assertThat(settings.dataDir()).isEqualTo(Path.of("/srv/cache"));
        assertThat(settings.defaultUpstream().name()).isEqualTo("ghcr.io");
        assertThat(settings.defaultUpstream().credentials()).hasValueSatisfying(c -> assertThat(c.username()).isEqualTo("me"));
        assertThat(settings.defaultUpstream().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.defaultUpstream().readTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(settings.upstream("docker.io").orElseThrow().url()).isEqualTo(URI.create("https://registry-1.docker.io"));
    }

    @Test
    void load_emptyFile_isTheDefaults() throws Exception {
        assertThat(load("")).isEqualTo(Settings.defaults());
    }

    @Test
    void load_unknownKey_namesItsPath() {
        assertThatThrownBy(() -> load("upstreams:\n  - name: docker.io\n    url: https://x\n    pasword: typo\n"))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("upstreams[0].pasword"));
        assertThatThrownBy(() -> load("lisen: :5000\n"))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("lisen"));
    }

    @Test
    void load_badValues_nameTheirKeys() {
        assertThatThrownBy(() -> load("listen: nowhere\n"))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("listen"));
        assertThatThrownBy(() -> load("upstreams:\n  - name: docker.io\n    url: https://x\n    readTimeout: soon\n"))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("upstreams[0].readTimeout"));
        assertThatThrownBy(() -> load("upstreams:\n  - name: docker.io\n"))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("upstreams[0].url"));
        assertThatThrownBy(() -> load("upstreams:\n  - name: docker.io\n    url: ftp://x\n"))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("upstreams[0]"));
    }

    @Test
    void credentials_toString_hidesThePassword() {
        assertThat(new UpstreamSettings.Credentials("me", "hunter2").toString()).doesNotContain("hunter2");
    }

    @Test
    void upstreamFlag_parsesNameEqualsUrl_andRejectsOtherForms() {
        UpstreamSettings upstream = UpstreamSettings.parse("docker.io=http://127.0.0.1:5001");
        assertThat(upstream.name()).isEqualTo("docker.io");
        assertThat(upstream.url()).isEqualTo(URI.create("http://127.0.0.1:5001"));
        assertThatThrownBy(() -> UpstreamSettings.parse("http://no-name")).isInstanceOf(SettingsException.class);
        assertThatThrownBy(() -> UpstreamSettings.parse("Bad Name=http://x")).isInstanceOf(SettingsException.class);
    }

    @Test
    void hostPort_parsesCommonForms() {
        assertThat(HostPort.parse("k", ":5000")).isEqualTo(new HostPort("0.0.0.0", 5000));
        assertThat(HostPort.parse("k", "[::1]:80")).isEqualTo(new HostPort("::1", 80));
        assertThatThrownBy(() -> HostPort.parse("k", "host:99999")).isInstanceOf(SettingsException.class);
    }
}
