package dev.longshore.proxy.it;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * skopeo (containers/image, as podman and CRI-O use it) with a {@code registries.conf} whose mirror location has a
 * path: {@code 127.0.0.1:<port>/registry.test.local}. A pull of {@code registry.test.local/team/app:1} then asks the
 * mirror for {@code /v2/registry.test.local/team/app/manifests/1}, and Longshore must pick the upstream by that
 * first path segment. As in ContainerdThroughLongshoreTest, two upstreams hold the same name with different content.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SkopeoPathPrefixMirrorTest {

    private static final String REPOSITORY = "team/app";

    @TempDir
    static Path work;

    private static UpstreamRegistry hub;
    private static UpstreamRegistry local;
    private static TestImages.Seeded hubImage;
    private static TestImages.Seeded localImage;
    private static LongshoreUnderTest longshore;
    private static CapturedLogs access;
    private static Path registriesConf;

    @BeforeAll
    static void seedTwoUpstreamsAndStartLongshore() throws Exception {
        assumeFalse(LongshoreUnderTest.DIRECT, "routing by path prefix needs Longshore; no direct mode");
        assumeTrue(Processes.onPath("skopeo"), "skopeo is not installed (scripts/docker-up installs it)");
        hub = UpstreamRegistry.start();
        local = UpstreamRegistry.start();
        DockerCli docker = DockerCli.machine();
        hubImage = new TestImages(docker, hub, work.resolve("hub")).singleLayer(REPOSITORY, "1");
        localImage = new TestImages(docker, local, work.resolve("local")).singleLayer(REPOSITORY, "1");
        assertThat(hubImage.manifestDigest()).as("the two upstreams' team/app:1").isNotEqualTo(localImage.manifestDigest());

        access = CapturedLogs.capture(Level.INFO, "longshore.access");
        longshore = LongshoreUnderTest.startWithConfig("""
                upstreams:
                  - name: docker.io
                    url: %s
                  - name: registry.test.local
                    url: %s
                """.formatted(hub.url(), local.url()), work.resolve("longshore-data"));

        // The registries' own locations are a closed port: no fallback past the mirror (no DNS, no network), so
        // a copy can only succeed through Longshore.
        registriesConf = work.resolve("registries.conf");
        Files.writeString(registriesConf, """
                unqualified-search-registries = []

                [[registry]]
                prefix = "registry.test.local"
                location = "127.0.0.1:9"
                insecure = true
                [[registry.mirror]]
                location = "%1$s/registry.test.local"
                insecure = true

                [[registry]]
                prefix = "docker.io"
                location = "127.0.0.1:9"
                insecure = true
                [[registry.mirror]]
                location = "%1$s/docker.io"
                insecure = true
                """.formatted(longshore.hostPort()));
    }

    @AfterAll
    static void stopAll() {
        try {
            if (longshore != null) {
                longshore.close();
            }
            if (access != null) {
                access.close();
            }
        } finally {
            if (hub != null) {
                hub.close();
            }
            if (local != null) {
                local.close();
            }
        }
    }

    @Test
    void skopeoWithPathPrefixMirror_copiesTheSameNameFromTwoUpstreams_eachWithItsUpstreamsDigest() throws IOException {
        assertCopyIs("registry.test.local/" + REPOSITORY + ":1", localImage, work.resolve("copy-local"));
        assertCopyIs("docker.io/" + REPOSITORY + ":1", hubImage, work.resolve("copy-hub"));

        assertThat(access.lines()).as("Longshore's access log")
                .anyMatch(l -> l.contains("/v2/registry.test.local/" + REPOSITORY + "/manifests/1"))
                .anyMatch(l -> l.contains("/v2/docker.io/" + REPOSITORY + "/manifests/1"));
    }

    @Test
    void skopeoInspectRaw_throughPathPrefixMirror_isTheUpstreamManifestByteForByte() {
        String raw = TestImages.skopeo("--registries-conf", registriesConf.toString(),
                "inspect", "--raw", "docker://registry.test.local/" + REPOSITORY + ":1").stdout();
        UpstreamRegistry.Manifest upstream = local.manifest(REPOSITORY, "1");

        String upstreamText = new String(upstream.body(), StandardCharsets.UTF_8);
        assertThat(raw.strip()).isEqualTo(upstreamText.strip());
    }

    private static void assertCopyIs(String reference, TestImages.Seeded image, Path dir) throws IOException {
        // --registries-conf: skopeo 1.9's (hidden) global flag; containers/image then applies the mirror
        TestImages.skopeo("--registries-conf", registriesConf.toString(), "copy", "docker://" + reference, "dir:" + dir);
        assertThat(TestImages.sha256(dir.resolve("manifest.json"))).as("%s through Longshore", reference)
                .isEqualTo(image.manifestDigest());
        JsonNode manifest = Json.parse(Files.readAllBytes(dir.resolve("manifest.json")));
        String config = manifest.path("config").path("digest").asText();
        assertThat(config).isEqualTo(image.configDigest());
        assertThat(TestImages.sha256(dir.resolve(config.substring("sha256:".length())))).isEqualTo(config);
        for (JsonNode layer : manifest.path("layers")) {
            String digest = layer.path("digest").asText();
            assertThat(TestImages.sha256(dir.resolve(digest.substring("sha256:".length())))).isEqualTo(digest);
        }
    }
}
