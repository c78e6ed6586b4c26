package dev.longshore.proxy.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: the machine's real Docker daemon pulls through Longshore from a {@code registry:2} upstream seeded by
 * real tools, gets exactly the upstream's digests, and pulls the same images again from Longshore's cache while
 * the upstream container is stopped.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DockerPullThroughLongshoreTest {

    @TempDir
    static Path work;

    private static final DockerCli docker = DockerCli.machine();
    private static UpstreamRegistry upstream;
    private static LongshoreUnderTest longshore;
    private static TestImages.Seeded single;
    private static TestImages.Seeded multi;
    private static TestImages.Seeded multiArch;

    @BeforeAll
    static void seedUpstreamAndStartLongshore() throws Exception {
        upstream = UpstreamRegistry.start();
        TestImages images = new TestImages(docker, upstream, work);
        single = images.singleLayer("longshore-it/single", "1");
        multi = images.multiLayer("longshore-it/multi", "1");
        multiArch = images.multiArchIndex("longshore-it/multiarch", "1");
        longshore = LongshoreUnderTest.start(upstream, work.resolve("longshore-data"));
    }

    @AfterAll
    static void stopAll() {
        try {
            for (TestImages.Seeded s : new TestImages.Seeded[] {single, multi, multiArch}) {
                if (s != null && longshore != null) {
                    docker.removeImages(s.ref(longshore.hostPort()));
                }
            }
        } finally {
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
    }

    @Test
    void dockerPull_singleLayerImage_matchesUpstreamDigests_andSurvivesUpstreamOutage() {
        assertThat(single.layers()).isEqualTo(1);
        pullMatchesUpstream_thenPullAgainFromCacheWithUpstreamStopped(single);
    }

    @Test
    void dockerPull_multiLayerImage_matchesUpstreamDigests_andSurvivesUpstreamOutage() {
        assertThat(multi.layers()).as("base + five RUN layers").isEqualTo(6);
        pullMatchesUpstream_thenPullAgainFromCacheWithUpstreamStopped(multi);
    }

    @Test
    void dockerPull_multiArchOciIndex_getsTheAmd64Entry_matchesUpstreamDigests_andSurvivesUpstreamOutage() {
        assertThat(upstream.manifest(multiArch.repository(), multiArch.tag()).mediaType())
                .isEqualTo("application/vnd.oci.image.index.v1+json");
        // the daemon (amd64) resolves the index to its amd64 entry: image ID = that entry's config digest
        pullMatchesUpstream_thenPullAgainFromCacheWithUpstreamStopped(multiArch);
    }

    private void pullMatchesUpstream_thenPullAgainFromCacheWithUpstreamStopped(TestImages.Seeded image) {
        String ref = image.ref(longshore.hostPort());
        docker.removeImages(ref);

        docker.pull(ref).orFail();
        assertPulledImageIsTheUpstreams(ref, image);

        docker.removeImages(ref);
        assertThat(docker.imageExists(ref)).isFalse();
        upstream.stop();
        try {
            Processes.Result again = docker.pull(ref);
            if (!longshore.caches()) {
                // harness self-check (-Dlongshore.it.direct=true): proves the outage is real
                assertThat(again.ok()).as("a pull straight from the stopped upstream").isFalse();
                return;
            }
            assertThat(again.ok()).as("pull from the cache with the upstream stopped:\n%s", again.describe()).isTrue();
            assertPulledImageIsTheUpstreams(ref, image);
        } finally {
            upstream.restart();
            docker.removeImages(ref);
        }
    }

    private void assertPulledImageIsTheUpstreams(String ref, TestImages.Seeded image) {
        String repo = ref.substring(0, ref.lastIndexOf(':'));
        assertThat(docker.repoDigests(ref)).as("RepoDigests of %s", ref).contains(repo + "@" + image.manifestDigest());
        assertThat(docker.imageId(ref)).as("image ID (config digest) of %s", ref).isEqualTo(image.configDigest());
        assertThat(docker.layerDiffIds(ref)).as("layers of %s", ref).hasSize(image.layers());
        assertThat(docker.inspect(ref, "{{.Os}}/{{.Architecture}}")).isEqualTo("linux/amd64");
    }
}
