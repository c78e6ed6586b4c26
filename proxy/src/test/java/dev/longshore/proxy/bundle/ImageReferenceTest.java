package dev.longshore.proxy.bundle;

import dev.longshore.storage.Digest;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageReferenceTest {

    private static final String HEX = "a".repeat(64);

    @Test
    void parse_officialImageShortName_isDockerHubLibrary() {
        ImageReference ref = ImageReference.parse("alpine:3.20");
        assertThat(ref).isEqualTo(new ImageReference("docker.io", "library/alpine", Optional.of("3.20"), Optional.empty()));
        assertThat(ref.name()).isEqualTo("docker.io/library/alpine:3.20");
        assertThat(ref.reference()).isEqualTo("3.20");
    }

    @Test
    void parse_fullDockerHubName_isTheSameImage() {
        assertThat(ImageReference.parse("docker.io/library/alpine:3.20")).isEqualTo(ImageReference.parse("alpine:3.20"));
        assertThat(ImageReference.parse("index.docker.io/library/alpine:3.20")).isEqualTo(ImageReference.parse("alpine:3.20"));
    }

    @Test
    void parse_noTagNoDigest_meansLatest() {
        assertThat(ImageReference.parse("team/app").name()).isEqualTo("docker.io/team/app:latest");
    }

    @Test
    void parse_registryWithDigest_keepsRegistryAndDigest() {
        ImageReference ref = ImageReference.parse("registry.test.local/team/app@sha256:" + HEX);
        assertThat(ref.registry()).isEqualTo("registry.test.local");
        assertThat(ref.repository()).isEqualTo("team/app");
        assertThat(ref.tag()).isEmpty();
        assertThat(ref.digest()).contains(new Digest("sha256", HEX));
        assertThat(ref.reference()).isEqualTo("sha256:" + HEX);
        assertThat(ref.name()).isEqualTo("registry.test.local/team/app@sha256:" + HEX);
    }

    @Test
    void parse_registryWithPort_isARegistryNotATag() {
        ImageReference ref = ImageReference.parse("127.0.0.1:5000/team/app:1.0");
        assertThat(ref.registry()).isEqualTo("127.0.0.1:5000");
        assertThat(ref.repository()).isEqualTo("team/app");
        assertThat(ref.tag()).contains("1.0");
        assertThat(ImageReference.parse("localhost/app").registry()).isEqualTo("localhost");
    }

    @Test
    void parse_firstComponentWithoutDotOrColon_isARepositoryComponent() {
        ImageReference ref = ImageReference.parse("team/app:1");
        assertThat(ref.registry()).isEqualTo("docker.io");
        assertThat(ref.repository()).isEqualTo("team/app");
    }

    @Test
    void parse_tagAndDigest_digestIsWhatIsFetched_tagIsTheName() {
        ImageReference ref = ImageReference.parse("ghcr.io/org/tool:2@sha256:" + HEX);
        assertThat(ref.reference()).isEqualTo("sha256:" + HEX);
        assertThat(ref.name()).isEqualTo("ghcr.io/org/tool:2");
        assertThat(ref).hasToString("ghcr.io/org/tool:2@sha256:" + HEX);
    }

    @Test
    void parse_invalidNames_areRefusedWithTheReason() {
        assertThatThrownBy(() -> ImageReference.parse("Alpine:3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a repository name");
        assertThatThrownBy(() -> ImageReference.parse("alpine:bad/tag")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageReference.parse("alpine@sha256:xyz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpine@sha256:xyz");
        assertThatThrownBy(() -> ImageReference.parse(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parseFull_requiresRegistryAndTagOrDigest() {
        assertThat(ImageReference.parseFull("docker.io/library/alpine:3.20").name()).isEqualTo("docker.io/library/alpine:3.20");
        assertThatThrownBy(() -> ImageReference.parseFull("3.20")).hasMessageContaining("not a full image name");
        assertThatThrownBy(() -> ImageReference.parseFull("library/alpine:3.20")).hasMessageContaining("not a full image name");
        assertThatThrownBy(() -> ImageReference.parseFull("docker.io/library/alpine")).hasMessageContaining("not a full image name");
    }

    @Test
    void isOn_dockerHubMatchesItsAliases_othersOnlyThemselves() {
        assertThat(ImageReference.parse("alpine").isOn("registry-1.docker.io")).isTrue();
        assertThat(ImageReference.parse("alpine").isOn("ghcr.io")).isFalse();
        assertThat(ImageReference.parse("ghcr.io/o/t:1").isOn("ghcr.io")).isTrue();
        assertThat(ImageReference.parse("ghcr.io/o/t:1").isOn("docker.io")).isFalse();
    }

    @Test
    void platform_parsesOsArchVariant_andMatchesIndexEntries() throws Exception {
        Platform amd64 = Platform.parse("linux/amd64");
        var json = Manifests.JSON.readTree("{\"os\":\"linux\",\"architecture\":\"amd64\"}");
        var arm = Manifests.JSON.readTree("{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}");
        assertThat(amd64.matches(json)).isTrue();
        assertThat(amd64.matches(arm)).isFalse();
        assertThat(Platform.parse("linux/arm64").matches(arm)).isTrue();
        assertThat(Platform.parse("linux/arm64/v8").matches(arm)).isTrue();
        assertThat(Platform.parse("linux/arm64/v7").matches(arm)).isFalse();
        assertThatThrownBy(() -> Platform.parse("linux")).hasMessageContaining("os/architecture");
    }
}
