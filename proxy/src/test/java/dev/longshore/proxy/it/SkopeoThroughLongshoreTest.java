package dev.longshore.proxy.it;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code skopeo inspect} and {@code skopeo copy} through Longshore see exactly what the upstream serves. */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SkopeoThroughLongshoreTest {

    @TempDir
    static Path work;

    private static UpstreamRegistry upstream;
    private static LongshoreUnderTest longshore;
    private static TestImages.Seeded single;
    private static TestImages.Seeded multiArch;

    @BeforeAll
    static void seedUpstreamAndStartLongshore() throws Exception {
        assumeTrue(Processes.onPath("skopeo"), "skopeo is not installed (scripts/docker-up installs it)");
        upstream = UpstreamRegistry.start();
        TestImages images = new TestImages(DockerCli.machine(), upstream, work);
        single = images.singleLayer("longshore-it/skopeo-single", "1");
        multiArch = images.multiArchIndex("longshore-it/skopeo-multiarch", "1");
        longshore = LongshoreUnderTest.start(upstream, work.resolve("longshore-data"));
    }

    @AfterAll
    static void stopAll() {
        try {
            if (longshore != null) {
                longshore.close();
            }
        } finally {
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    @Test
    void skopeoInspect_throughLongshore_reportsTheUpstreamDigestAndLayers() {
        JsonNode inspected = Json.parse(TestImages.skopeo("inspect", "--tls-verify=false",
                "docker://" + single.ref(longshore.hostPort())).stdout());
        JsonNode upstreamManifest = upstream.manifest(single.repository(), single.tag()).json();

        assertThat(inspected.path("Digest").asText()).isEqualTo(single.manifestDigest());
        List<String> upstreamLayers = new ArrayList<>();
        upstreamManifest.path("layers").forEach(l -> upstreamLayers.add(l.path("digest").asText()));
        List<String> inspectedLayers = new ArrayList<>();
        inspected.path("Layers").forEach(l -> inspectedLayers.add(l.asText()));
        assertThat(inspectedLayers).isEqualTo(upstreamLayers);
    }

    @Test
    void skopeoInspectRaw_ofMultiArchIndex_throughLongshore_isTheUpstreamIndexByteForByte() {
        String raw = TestImages.skopeo("inspect", "--raw", "--tls-verify=false",
                "docker://" + multiArch.ref(longshore.hostPort())).stdout();
        UpstreamRegistry.Manifest index = upstream.manifest(multiArch.repository(), multiArch.tag());

        String upstreamBytes = new String(index.body(), StandardCharsets.UTF_8);
        // skopeo may end its output with a newline of its own
        String body = raw.endsWith("\n") && !upstreamBytes.endsWith("\n") ? raw.substring(0, raw.length() - 1) : raw;
        assertThat(body).isEqualTo(upstreamBytes);
        assertThat(TestImages.sha256(body.getBytes(StandardCharsets.UTF_8))).isEqualTo(multiArch.manifestDigest());
        assertThat(Json.parse(body).path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    }

    @Test
    void skopeoCopy_throughLongshore_toDir_keepsManifestAndBlobDigests_alsoWithUpstreamStopped() throws IOException {
        String source = "docker://" + single.ref(longshore.hostPort());
        Path first = work.resolve("copy-1");
        TestImages.skopeo("copy", "--src-tls-verify=false", source, "dir:" + first);
        assertDirCopyIsTheUpstreamImage(first);

        upstream.stop();
        try {
            Path second = work.resolve("copy-2");
            if (!longshore.caches()) {
                // harness self-check (-Dlongshore.it.direct=true): proves the outage is real
                assertThat(TestImages.trySkopeo("copy", "--src-tls-verify=false", "--retry-times=0", source, "dir:" + second).ok())
                        .as("a copy straight from the stopped upstream").isFalse();
                return;
            }
            TestImages.skopeo("copy", "--src-tls-verify=false", source, "dir:" + second);
            assertDirCopyIsTheUpstreamImage(second);
        } finally {
            upstream.restart();
        }
    }

    @Test
    void skopeoCopyAll_ofMultiArchIndex_throughLongshore_toOciLayout_keepsEveryDigest() throws IOException {
        Path layout = work.resolve("oci-all");
        TestImages.skopeo("copy", "--all", "--src-tls-verify=false",
                "docker://" + multiArch.ref(longshore.hostPort()), "oci:" + layout + ":copied");

        JsonNode layoutIndex = Json.parse(Files.readAllBytes(layout.resolve("index.json")));
        assertThat(layoutIndex.path("manifests").get(0).path("digest").asText())
                .as("the layout's top manifest is the upstream's index").isEqualTo(multiArch.manifestDigest());
        // every blob in the layout (index, both manifests, configs, layers) is intact: file name == sha256(content)
        int blobs = 0;
        try (var files = Files.list(layout.resolve("blobs/sha256"))) {
            for (Path blob : files.toList()) {
                assertThat(TestImages.sha256(blob)).isEqualTo("sha256:" + blob.getFileName());
                blobs++;
            }
        }
        assertThat(blobs).as("index + 2 x (manifest + config + layer)").isEqualTo(7);
    }

    private void assertDirCopyIsTheUpstreamImage(Path dir) throws IOException {
        assertThat(TestImages.sha256(dir.resolve("manifest.json"))).isEqualTo(single.manifestDigest());
        JsonNode manifest = Json.parse(Files.readAllBytes(dir.resolve("manifest.json")));
        List<String> digests = new ArrayList<>();
        digests.add(manifest.path("config").path("digest").asText());
        manifest.path("layers").forEach(l -> digests.add(l.path("digest").asText()));
        for (String digest : digests) {
            Path blob = dir.resolve(digest.substring("sha256:".length()));
            assertThat(blob).exists();
            assertThat(TestImages.sha256(blob)).isEqualTo(digest);
        }
    }
}
