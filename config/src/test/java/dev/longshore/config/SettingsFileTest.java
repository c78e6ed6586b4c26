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
    void load_freshnessTlsAndOffline_perUpstreamAndTopLevel() throws Exception {
        Files.copy(SettingsFileTest.class.getResourceAsStream("/test-ca.pem"), dir.resolve("lab-ca.pem"));
        Files.writeString(dir.resolve("hub-token"), "dckr_pat_abc\n");
        Settings settings = load("""
                tagTtl: 10m
                offline: true
                upstreams:
                  - name: docker.io
                    url: https://registry-1.docker.io
                    username: me
                    tokenFile: hub-token
                    tagTtl: 1m
                    maxStale: 7d
                  - name: registry.lab:5000
                    url: https://registry.lab:5000
                    caFile: lab-ca.pem
                  - name: throwaway.lab
                    url: https://throwaway.lab
                    insecureSkipVerify: true
                """);
        assertThat(settings.offline()).isTrue();
        assertThat(settings.tagTtl()).isEqualTo(Duration.ofMinutes(10));
        UpstreamSettings hub = settings.upstream("docker.io").orElseThrow();
        assertThat(hub.credentials()).contains(new UpstreamSettings.Credentials("me", "dckr_pat_abc"));
        assertThat(settings.tagTtl(hub)).isEqualTo(Duration.ofMinutes(1));
        assertThat(hub.maxStale()).contains(Duration.ofDays(7));
        UpstreamSettings lab = settings.upstream("registry.lab:5000").orElseThrow();
        assertThat(settings.tagTtl(lab)).isEqualTo(Duration.ofMinutes(10));
        assertThat(lab.maxStale()).isEmpty();
        assertThat(lab.tls()).isEqualTo(new UpstreamSettings.Tls(java.util.Optional.of(dir.resolve("lab-ca.pem")), false));
        assertThat(settings.upstream("throwaway.lab").orElseThrow().tls().insecureSkipVerify()).isTrue();
    }

    @Test
    void defaults_tagTtlIsFiveMinutes_notOffline_noStalenessLimit() {
        Settings settings = Settings.defaults();
        assertThat(settings.tagTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings.offline()).isFalse();
        assertThat(settings.defaultUpstream().maxStale()).isEmpty();
        assertThat(settings.defaultUpstream().tls()).isEqualTo(UpstreamSettings.Tls.SYSTEM);
    }

    @Test
    void load_badFreshnessTlsAndTokenValues_nameTheirKeys() throws Exception {
        Files.writeString(dir.resolve("not-a-cert.pem"), "hello");
        Files.writeString(dir.resolve("empty-token"), "\n");
        String upstream = "upstreams:\n  - name: docker.io\n    url: https://x\n";
        assertKey(upstream + "    tagTtl: soon\n", "upstreams[0].tagTtl");
        assertKey(upstream + "    maxStale: forever\n", "upstreams[0].maxStale");
        assertKey(upstream + "    caFile: missing.pem\n", "upstreams[0].caFile");
        assertKey(upstream + "    caFile: not-a-cert.pem\n", "upstreams[0].caFile");
        assertKey(upstream + "    insecureSkipVerify: maybe\n", "upstreams[0].insecureSkipVerify");
        assertKey(upstream + "    username: me\n    tokenFile: missing-token\n", "upstreams[0].tokenFile");
        assertKey(upstream + "    username: me\n    tokenFile: empty-token\n", "upstreams[0].tokenFile");
        assertKey(upstream + "    username: me\n    password: p\n    tokenFile: empty-token\n", "upstreams[0].tokenFile");
        assertKey(upstream + "    tokenFile: empty-token\n", "upstreams[0].username");
        assertKey(upstream + "    username: me\n", "upstreams[0].password");
        assertKey("tagTtl: 5 minutes\n", "tagTtl");
        assertKey("offline: yes please\n", "offline");
    }

    @Test
    void load_reportsEveryUpstreamProblemAtOnce_schemeAndDuplicateNamesAmongThem() {
        String yaml = """
                upstreams:
                  - name: docker.io
                    url: ftp://x
                    readTimeout: forever
                  - name: docker.io
                    url: https://y
                  - name: Not_A_Host
                    url: https://z
                    connectTimeout: 0s
                """;
        assertThatThrownBy(() -> load(yaml)).isInstanceOfSatisfying(SettingsException.class, e ->
                assertThat(e.problems()).extracting(SettingsException::key)
                        .containsExactlyInAnyOrder("upstreams[0].url", "upstreams[0].readTimeout", "upstreams[1].name",
                                "upstreams[2].name", "upstreams[2].connectTimeout"));
    }

    @Test
    void load_insecureSkipVerifyWithCaFile_isRefused() throws Exception {
        Files.copy(SettingsFileTest.class.getResourceAsStream("/test-ca.pem"), dir.resolve("ca.pem"));
        assertKey("upstreams:\n  - name: docker.io\n    url: https://x\n    caFile: ca.pem\n    insecureSkipVerify: true\n",
                "upstreams[0].insecureSkipVerify");
    }

    private void assertKey(String yaml, String key) {
        assertThatThrownBy(() -> load(yaml)).as(yaml)
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo(key));
    }

    @Test
    void sampleFileAtTheRepositoryRoot_loads_andStatesTheDefaults() {
        // Surefire runs in config/; the sample documents every key, so it must load and match the embedded defaults.
        assertThat(SettingsFile.load(Path.of("..", "longshore.yaml"))).isEqualTo(Settings.defaults());
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
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("upstreams[0].url"));
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
