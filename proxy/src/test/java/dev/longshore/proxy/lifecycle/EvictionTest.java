package dev.longshore.proxy.lifecycle;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.storage.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The byte budget end to end: blobs pulled through a real server, evicted by what the server does on its own. */
class EvictionTest {
    private static final int KiB = 1024;
    private static final String REPO = "team/app";

    @TempDir
    Path data;

    @Test
    void pullingMoreThanTheBudget_evictsDownToTheLowWatermark_andTheBudgetHolds() throws Exception {
        long budget = 1000 * KiB;
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, LifecycleSettings.DEFAULTS.withMaxSize(budget), "a.test", upstream)) {
            for (int i = 0; i < 25; i++) {
                mirror.pullBlob("a.test", REPO, upstream.blob(REPO, 100 * KiB, i));
                mirror.clock.advance(Duration.ofMinutes(1));
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> mirror.server.storage().usage().totalBytes() <= (long) (budget * Budget.HIGH));
            assertThat(mirror.server.storage().usage().totalBytes()).isGreaterThanOrEqualTo((long) (budget * Budget.LOW) - 100 * KiB);
            assertThat(mirror.server.storage().usage().blobCount()).isLessThanOrEqualTo(9);
        }
    }

    @Test
    void eviction_takesTheLeastRecentlyAccessedFirst_andAnEvictedBlobIsFetchedAgainOnTheNextPull() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, LifecycleSettings.DEFAULTS.withMaxSize(1000 * KiB), "a.test", upstream)) {
            List<Digest> blobs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                blobs.add(upstream.blob(REPO, 100 * KiB, i));
            }
            for (int i = 0; i < 9; i++) { // 900 KiB: under the high watermark of 950 KiB
                mirror.pullBlob("a.test", REPO, blobs.get(i));
                mirror.clock.advance(Duration.ofMinutes(1));
            }
            mirror.pullBlob("a.test", REPO, blobs.get(0)); // a hit: blob 0 is now the most recently used
            mirror.clock.advance(Duration.ofMinutes(1));
            assertThat(mirror.server.storage().usage().totalBytes()).isEqualTo(900 * KiB);

            mirror.pullBlob("a.test", REPO, blobs.get(9)); // 1000 KiB: evict down to 850 KiB, two blobs

            await().atMost(Duration.ofSeconds(10)).until(() -> mirror.server.storage().usage().totalBytes() == 800 * KiB);
            assertThat(mirror.cached(blobs.get(1))).as("least recently used").isFalse();
            assertThat(mirror.cached(blobs.get(2))).as("second least recently used").isFalse();
            assertThat(mirror.cached(blobs.get(0))).as("old, but used again").isTrue();
            for (int i = 3; i < 10; i++) {
                assertThat(mirror.cached(blobs.get(i))).as("blob " + i).isTrue();
            }

            mirror.pullBlob("a.test", REPO, blobs.get(1));
            assertThat(upstream.blobGets(blobs.get(1))).isEqualTo(2);
            assertThat(upstream.blobGets(blobs.get(0))).isEqualTo(1);
        }
    }

    @Test
    void anUpstreamOverItsOwnBudget_evictsOnlyItsOwnBlobs() throws Exception {
        LifecycleSettings settings = LifecycleSettings.DEFAULTS.withUpstreamMaxSize("a.test", 500 * KiB);
        try (FakeRegistry a = new FakeRegistry(); FakeRegistry b = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, settings, "a.test", a, "b.test", b)) {
            List<Digest> bBlobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                bBlobs.add(b.blob(REPO, 100 * KiB, 100 + i));
                mirror.pullBlob("b.test", REPO, bBlobs.get(i));
                mirror.clock.advance(Duration.ofMinutes(1));
            }
            for (int i = 0; i < 12; i++) { // newer than every b blob, and 1200 KiB of them
                mirror.pullBlob("a.test", REPO, a.blob(REPO, 100 * KiB, i));
                mirror.clock.advance(Duration.ofMinutes(1));
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> mirror.server.storage().usage().bytes("a.test") <= 475 * KiB);
            assertThat(bBlobs).allSatisfy(d -> assertThat(mirror.cached(d)).isTrue());
            assertThat(mirror.server.storage().usage().bytes("b.test")).isEqualTo(400 * KiB);
        }
    }

    @Test
    void aPinnedImage_survivesPressure_withItsManifestConfigAndLayers() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry()) {
            Digest config = upstream.blob(REPO, 10 * KiB, 1000);
            Digest layer1 = upstream.blob(REPO, 100 * KiB, 1001);
            Digest layer2 = upstream.blob(REPO, 100 * KiB, 1002);
            Digest manifest = upstream.image(REPO, "1.0", config, List.of(layer1, layer2));
            Digest index = upstream.index(REPO, "multi", List.of(manifest));
            LifecycleSettings settings = LifecycleSettings.DEFAULTS.withMaxSize(1000 * KiB).withPins(List.of("a.test/team/app:multi"));
            try (LifecycleMirror mirror = LifecycleMirror.start(data, settings, "a.test", upstream)) {
                assertThat(mirror.pullManifest("a.test", REPO, "multi").statusCode()).isEqualTo(200);
                assertThat(mirror.pullManifest("a.test", REPO, manifest.toString()).statusCode()).isEqualTo(200);
                for (Digest blob : List.of(config, layer1, layer2)) {
                    mirror.pullBlob("a.test", REPO, blob);
                }
                mirror.clock.advance(Duration.ofDays(1));
                for (int i = 0; i < 20; i++) {
                    mirror.pullBlob("a.test", REPO, upstream.blob(REPO, 100 * KiB, i));
                    mirror.clock.advance(Duration.ofMinutes(1));
                }

                await().atMost(Duration.ofSeconds(10)).until(() -> mirror.server.storage().usage().totalBytes() <= 950 * KiB);
                assertThat(List.of(config, layer1, layer2)).allSatisfy(d -> assertThat(mirror.cached(d)).isTrue());
                assertThat(mirror.server.storage().index().manifest(index)).isPresent();
                assertThat(mirror.server.storage().index().manifest(manifest)).isPresent();
            }
        }
    }
}
