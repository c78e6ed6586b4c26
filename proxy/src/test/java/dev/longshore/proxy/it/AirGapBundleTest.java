package dev.longshore.proxy.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longshore.proxy.Main;
import dev.longshore.proxy.cli.LsCommand;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The air-gapped site, end to end with real tools: {@code longshore warm} fills a cache from a {@code registry:2}
 * upstream, which is then stopped for good; the cache is served {@code --offline} to the machine's docker daemon,
 * exported to a bundle that skopeo reads, and imported into an empty data directory that serves the same pulls.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class AirGapBundleTest {

    @TempDir
    static Path work;

    private static final DockerCli docker = DockerCli.machine();
    private static UpstreamRegistry upstream;
    private static TestImages.Seeded single;
    private static TestImages.Seeded multiArch;
    private static JsonNode multiArchIndex;
    /** Its layer digests, as the upstream lists them. */
    private static List<String> singleLayers;
    /** Warmed with every platform of both images. */
    private static Path warmed;
    /** Warmed with the multi-platform image's linux/amd64 only. */
    private static Path amd64Only;

    @BeforeAll
    static void seedUpstream_warm_thenStopUpstream() {
        assumeFalse(LongshoreUnderTest.DIRECT, "no cache to warm in the harness self-check");
        assumeTrue(Processes.onPath("skopeo"), "skopeo is not installed (scripts/docker-up installs it)");
        upstream = UpstreamRegistry.start();
        TestImages images = new TestImages(docker, upstream, work);
        single = images.singleLayer("longshore-it/airgap-single", "1");
        multiArch = images.multiArchIndex("longshore-it/airgap-multiarch", "1");
        multiArchIndex = upstream.manifest(multiArch.repository(), multiArch.tag()).json();
        singleLayers = upstream.manifest(single.repository(), single.tag()).json().path("layers").findValuesAsText("digest");

        warmed = work.resolve("warmed");
        assertThat(Main.run("warm", "--data", warmed.toString(), "--upstream", "docker.io=" + upstream.url(),
                "docker.io/" + single.repository() + ":" + single.tag(), multiArch.repository() + ":" + multiArch.tag()))
                .as("warm exit code").isZero();
        amd64Only = work.resolve("amd64-only");
        assertThat(Main.run("warm", "--data", amd64Only.toString(), "--upstream", "docker.io=" + upstream.url(),
                "--platform", "linux/amd64", multiArch.repository() + ":" + multiArch.tag()))
                .as("warm --platform exit code").isZero();

        upstream.stop(); // for good: everything below works without it
    }

    @AfterAll
    static void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void warm_thenServeOffline_dockerPullsWithTheUpstreamGone() throws Exception {
        try (LongshoreUnderTest offline = LongshoreUnderTest.startOffline(upstream, warmed)) {
            pullMatchesUpstream(offline, single);
            pullMatchesUpstream(offline, multiArch);
        }
    }

    @Test
    void export_thenImportIntoEmptyDataDir_thenOfflineDockerPullWorks() throws Exception {
        Path bundle = work.resolve("both.tar");
        assertThat(Main.run("export", "--data", warmed.toString(), "--output", bundle.toString(),
                single.repository() + ":" + single.tag(), "docker.io/" + multiArch.repository() + ":" + multiArch.tag()))
                .as("export exit code").isZero();

        // docker push made a Docker-typed manifest: skopeo reads its OCI twin, with the same layers.
        JsonNode inspected = Json.parse(TestImages.skopeo("inspect", "oci-archive:" + bundle + ":" + fullName(single)).stdout());
        assertThat(textList(inspected.path("Layers"))).isEqualTo(singleLayers);
        // An OCI index is in the bundle byte for byte as the upstream served it.
        String rawIndex = TestImages.skopeo("inspect", "--raw", "oci-archive:" + bundle + ":" + fullName(multiArch)).stdout();
        assertThat(TestImages.sha256(rawIndex.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(multiArch.manifestDigest());
        assertThat(Json.parse(TestImages.skopeo("inspect", "oci-archive:" + bundle + ":" + fullName(multiArch)).stdout())
                .path("Architecture").asText()).isEqualTo("amd64");

        Path imported = work.resolve("imported");
        assertThat(Main.run("import", "--data", imported.toString(), bundle.toString())).as("import exit code").isZero();

        try (LongshoreUnderTest offline = LongshoreUnderTest.startOffline(upstream, imported)) {
            pullMatchesUpstream(offline, single);
            pullMatchesUpstream(offline, multiArch);
        }
    }

    @Test
    void skopeo_readsTheBundle_inspectWithoutRef_andCopyIntoTheDockerDaemon() {
        Path bundle = work.resolve("single.tar");
        assertThat(Main.run("export", "--data", warmed.toString(), "--output", bundle.toString(),
                single.repository() + ":" + single.tag())).isZero();

        // One image in the bundle: skopeo needs no reference to find it.
        JsonNode inspected = Json.parse(TestImages.skopeo("inspect", "oci-archive:" + bundle).stdout());
        assertThat(textList(inspected.path("Layers"))).isEqualTo(singleLayers);

        String copied = "longshore-it/airgap-copied:1";
        try {
            TestImages.skopeo("copy", "oci-archive:" + bundle + ":" + fullName(single), "docker-daemon:" + copied);
            assertThat(docker.imageId(copied)).as("image ID (config digest)").isEqualTo(single.configDigest());
        } finally {
            docker.removeImages(copied);
        }
    }

    @Test
    void warmWithPlatform_cachesOnlyThatPlatform_andLsListsTheTag() throws Exception {
        String amd64 = platformDigest("amd64");
        String arm64 = platformDigest("arm64");
        try (CacheStorage storage = CacheStorage.open(amd64Only)) {
            assertThat(storage.manifest(Digest.parse(multiArch.manifestDigest()))).as("the index").isPresent();
            assertThat(storage.manifest(Digest.parse(amd64))).as("the amd64 manifest").isPresent();
            assertThat(storage.manifest(Digest.parse(arm64))).as("the arm64 manifest").isEmpty();
            assertThat(storage.findBlob(Digest.parse(multiArch.configDigest()))).as("the amd64 config").isPresent();
        }

        StringWriter out = new StringWriter();
        int code = new CommandLine(new LsCommand()).setOut(new PrintWriter(out)).execute("--data", amd64Only.toString());

        assertThat(code).isZero();
        assertThat(out.toString().lines().toList()).hasSize(2)
                .first().asString().startsWith("UPSTREAM").contains("REPOSITORY", "TAG", "DIGEST", "SIZE");
        assertThat(out.toString().lines().skip(1).findFirst().orElseThrow())
                .matches("docker\\.io\\s+" + multiArch.repository() + "\\s+" + multiArch.tag() + "\\s+"
                        + multiArch.manifestDigest() + "\\s+\\d+(\\.\\d+)? (KiB|MiB)");
    }

    private static List<String> textList(JsonNode array) {
        List<String> texts = new java.util.ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private static String platformDigest(String architecture) {
        for (JsonNode entry : multiArchIndex.path("manifests")) {
            if (entry.path("platform").path("architecture").asText().equals(architecture)) {
                return entry.path("digest").asText();
            }
        }
        throw new AssertionError("no " + architecture + " entry in " + multiArchIndex);
    }

    private static String fullName(TestImages.Seeded image) {
        return "docker.io/" + image.repository() + ":" + image.tag();
    }

    /** docker pull through {@code longshore} gets the upstream's manifest digest and config (the amd64 entry for an index). */
    private static void pullMatchesUpstream(LongshoreUnderTest longshore, TestImages.Seeded image) {
        String ref = image.ref(longshore.hostPort());
        docker.removeImages(ref);
        try {
            Processes.Result pull = docker.pull(ref);
            assertThat(pull.ok()).as("offline pull of %s:\n%s", ref, pull.describe()).isTrue();
            String repo = ref.substring(0, ref.lastIndexOf(':'));
            assertThat(docker.repoDigests(ref)).contains(repo + "@" + image.manifestDigest());
            assertThat(docker.imageId(ref)).isEqualTo(image.configDigest());
            assertThat(docker.layerDiffIds(ref)).hasSize(image.layers());
        } finally {
            docker.removeImages(ref);
        }
    }
}
