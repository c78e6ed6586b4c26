package dev.longshore.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleSettingsTest {

    @TempDir
    Path dir;

    @Test
    void sizes_parseBinaryAndDecimalUnits_andRejectNonsenseNamingTheKey() {
        assertThat(Sizes.parse("maxSize", "10GiB")).isEqualTo(10L << 30);
        assertThat(Sizes.parse("maxSize", "500MiB")).isEqualTo(500L << 20);
        assertThat(Sizes.parse("maxSize", "2TB")).isEqualTo(2_000_000_000_000L);
        assertThat(Sizes.parse("maxSize", "4096")).isEqualTo(4096);
        assertThat(Sizes.format(10L << 30)).isEqualTo("10GiB");
        assertThatThrownBy(() -> Sizes.parse("--max-size", "10 gigs")).isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("--max-size: expected a size");
        assertThatThrownBy(() -> Sizes.parse("maxSize", "0")).hasMessageContaining("more than 0");
        assertThatThrownBy(() -> Sizes.parse("maxSize", "99999999999TiB")).hasMessageContaining("too large");
    }

    @Test
    void load_readsBudgetPinsGcAndPerUpstreamBudgets_andSettingsFileAcceptsTheKeys() throws Exception {
        Path file = dir.resolve("longshore.yaml");
        Files.writeString(file, """
                maxSize: 10GiB
                pins:
                  - docker.io/library/alpine:3.20
                gcAge: 30d
                gcGrace: 2h
                upstreams:
                  - name: docker.io
                    url: https://registry-1.docker.io
                    maxSize: 4GiB
                  - name: ghcr.io
                    url: https://ghcr.io
                """);

        LifecycleSettings settings = LifecycleSettings.load(file);

        assertThat(settings.maxSize()).hasValue(10L << 30);
        assertThat(settings.pins()).containsExactly("docker.io/library/alpine:3.20");
        assertThat(settings.gcAge()).isEqualTo(Duration.ofDays(30));
        assertThat(settings.gcGrace()).isEqualTo(Duration.ofHours(2));
        assertThat(settings.upstreamMaxSizes()).isEqualTo(Map.of("docker.io", 4L << 30));
        assertThat(SettingsFile.load(file).upstreams()).hasSize(2);
    }

    @Test
    void load_badSize_namesItsPath() throws Exception {
        Path file = dir.resolve("longshore.yaml");
        Files.writeString(file, """
                upstreams:
                  - name: docker.io
                    url: https://registry-1.docker.io
                    maxSize: lots
                """);
        assertThatThrownBy(() -> LifecycleSettings.load(file)).isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("upstreams[0].maxSize");
    }

    @Test
    void defaults_haveNoBudgetNoPins_90dAnd1h() {
        assertThat(LifecycleSettings.DEFAULTS.maxSize()).isEmpty();
        assertThat(LifecycleSettings.DEFAULTS.pins()).isEqualTo(List.of());
        assertThat(LifecycleSettings.DEFAULTS.gcAge()).isEqualTo(Duration.ofDays(90));
        assertThat(LifecycleSettings.DEFAULTS.gcGrace()).isEqualTo(Duration.ofHours(1));
        assertThat(Optional.of(LifecycleSettings.DEFAULTS.upstreamMaxSizes())).contains(Map.of());
    }

    @Test
    void load_environmentOverridesTheFilesBudgetAndGc_andBadValuesNameTheVariable() throws Exception {
        Path file = dir.resolve("longshore.yaml");
        Files.writeString(file, "maxSize: 10GiB\ngcAge: 30d\n");

        LifecycleSettings settings = LifecycleSettings.load(Optional.of(file),
                Map.of("LONGSHORE_MAX_SIZE", "2GiB", "LONGSHORE_GC_GRACE", "2h"));

        assertThat(settings.maxSize()).hasValue(2L << 30);
        assertThat(settings.gcAge()).isEqualTo(Duration.ofDays(30));
        assertThat(settings.gcGrace()).isEqualTo(Duration.ofHours(2));
        assertThat(LifecycleSettings.load(Optional.empty(), Map.of("LONGSHORE_MAX_SIZE", "1GiB")).maxSize()).hasValue(1L << 30);
        assertThatThrownBy(() -> LifecycleSettings.load(Optional.empty(), Map.of("LONGSHORE_MAX_SIZE", "lots")))
                .isInstanceOfSatisfying(SettingsException.class, e -> assertThat(e.key()).isEqualTo("maxSize (from LONGSHORE_MAX_SIZE)"));
    }
}
