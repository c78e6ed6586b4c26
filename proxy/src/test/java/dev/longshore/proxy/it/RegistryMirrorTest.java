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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code registry-mirrors} path itself: a Docker daemon whose {@code --registry-mirror} names Longshore pulls
 * {@code <name>:<tag>} by its Docker Hub name, so it asks the mirror for {@code /v2/library/<name>/manifests/<tag>}.
 * The daemon would fall back to Docker Hub only if the mirror failed, and Docker Hub cannot serve this image (it is
 * not there, and not reachable from these machines), so a pull with the upstream's digests came through Longshore.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RegistryMirrorTest {

    private static final String NAME = "longshore-it-mirror";

    @TempDir
    static Path work;

    private static UpstreamRegistry upstream;
    private static LongshoreUnderTest longshore;
    private static SecondDockerd mirrorDaemon;
    private static TestImages.Seeded image;

    @BeforeAll
    static void seedUpstreamAndStartLongshoreAndADaemonThatMirrorsThroughIt() throws Exception {
        assumeTrue(SecondDockerd.possible(), "needs root, dockerd and ip to start a second Docker daemon");
        upstream = UpstreamRegistry.start();
        image = new TestImages(DockerCli.machine(), upstream, work).singleLayer("library/" + NAME, "1");
        longshore = LongshoreUnderTest.start(upstream, work.resolve("longshore-data"));
        mirrorDaemon = SecondDockerd.start("http://" + longshore.hostPort());
    }

    @AfterAll
    static void stopAll() {
        try {
            if (mirrorDaemon != null) {
                mirrorDaemon.close();
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
    void daemonWithRegistryMirror_pullsDockerHubName_throughLongshore_withUpstreamDigests_andFromCacheDuringOutage() {
        DockerCli daemon = mirrorDaemon.cli();
        String ref = NAME + ":1";

        Processes.Result pull = daemon.pull(ref);
        assertThat(pull.ok()).as("pull %s through the mirror:\n%s\n--- dockerd log ---\n%s",
                ref, pull.describe(), mirrorDaemon.logTail()).isTrue();
        assertIsTheUpstreamImage(daemon, ref);

        daemon.removeImages(ref);
        upstream.stop();
        try {
            Processes.Result again = daemon.pull(ref);
            if (!longshore.caches()) {
                // harness self-check (-Dlongshore.it.direct=true): the mirror is the stopped upstream itself, and
                // the daemon's fallback to Docker Hub cannot succeed either
                assertThat(again.ok()).as("a pull through a stopped mirror").isFalse();
                return;
            }
            assertThat(again.ok()).as("pull %s through the mirror with the upstream stopped:\n%s\n--- dockerd log ---\n%s",
                    ref, again.describe(), mirrorDaemon.logTail()).isTrue();
            assertIsTheUpstreamImage(daemon, ref);
        } finally {
            upstream.restart();
        }
    }

    private static void assertIsTheUpstreamImage(DockerCli daemon, String ref) {
        // Docker Hub names: the daemon records the digest under the short name
        assertThat(daemon.repoDigests(ref)).contains(NAME + "@" + image.manifestDigest());
        assertThat(daemon.imageId(ref)).isEqualTo(image.configDigest());
    }
}
