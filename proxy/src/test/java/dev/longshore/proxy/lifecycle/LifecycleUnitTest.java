package dev.longshore.proxy.lifecycle;

import dev.longshore.config.SettingsException;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleUnitTest {
    private static final Digest A = Digest.sha256Of(new byte[] {1});
    private static final Digest B = Digest.sha256Of(new byte[] {2});
    private static final Digest C = Digest.sha256Of(new byte[] {3});

    @Test
    void budget_startsAboveTheHighWatermark_andFreesDownToTheLowOne() {
        Budget budget = new Budget(1000);
        assertThat(budget.excess(950)).isZero();
        assertThat(budget.excess(951)).isEqualTo(101);
        assertThat(budget.excess(1200)).isEqualTo(350);
    }

    @Test
    void imageReference_parsesRegistryRepositoryTagAndDigest() {
        assertThat(ImageReference.parse("pins", "docker.io/library/alpine:3.20", "docker.io"))
                .isEqualTo(new ImageReference("docker.io", "library/alpine", Optional.of("3.20"), Optional.empty()));
        assertThat(ImageReference.parse("pins", "alpine:3.20", "docker.io"))
                .isEqualTo(new ImageReference("docker.io", "library/alpine", Optional.of("3.20"), Optional.empty()));
        assertThat(ImageReference.parse("pins", "registry.test.local/team/app@" + A, "docker.io"))
                .isEqualTo(new ImageReference("registry.test.local", "team/app", Optional.empty(), Optional.of(A)));
        assertThat(ImageReference.parse("pins", "localhost:5000/app", "docker.io"))
                .isEqualTo(new ImageReference("localhost:5000", "app", Optional.of("latest"), Optional.empty()));
        assertThatThrownBy(() -> ImageReference.parse("pins[0]", "x@sha256:nothex", "docker.io"))
                .isInstanceOf(SettingsException.class).hasMessageStartingWith("pins[0]");
    }

    @Test
    void manifestReferences_indexNamesChildren_imageNamesConfigAndLayers() {
        String index = "{\"manifests\":[{\"digest\":\"" + A + "\"}],\"subject\":{\"digest\":\"" + C + "\"}}";
        String image = "{\"config\":{\"digest\":\"" + A + "\"},\"layers\":[{\"digest\":\"" + B + "\"},{\"digest\":\"" + C + "\"}]}";

        ManifestReferences fromIndex = ManifestReferences.of(record(index));
        ManifestReferences fromImage = ManifestReferences.of(record(image));

        assertThat(fromIndex.manifests()).containsExactly(A);
        assertThat(fromIndex.blobs()).isEmpty();
        assertThat(fromImage.manifests()).isEmpty();
        assertThat(fromImage.blobs()).containsExactly(A, B, C);
        assertThat(ManifestReferences.of(record("not json"))).isEqualTo(new ManifestReferences(java.util.List.of(), java.util.List.of()));
    }

    @Test
    void digestPrefixSet_findsWhatWasAdded() {
        DigestPrefixSet set = new DigestPrefixSet();
        for (int i = 0; i < 5000; i++) {
            set.add(Digest.sha256Of(new byte[] {(byte) i, (byte) (i >> 8)}));
        }
        assertThat(set.contains(Digest.sha256Of(new byte[] {(byte) 4321, (byte) (4321 >> 8)}))).isTrue();
        assertThat(set.contains(Digest.sha256Of("absent".getBytes(StandardCharsets.UTF_8)))).isFalse();
    }

    private static ManifestRecord record(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return new ManifestRecord(Digest.sha256Of(bytes), "application/json", bytes);
    }
}
