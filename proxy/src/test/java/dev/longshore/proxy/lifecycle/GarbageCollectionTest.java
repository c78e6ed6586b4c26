package dev.longshore.proxy.lifecycle;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.storage.Digest;
import dev.longshore.storage.TagKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** GC through a real server on a clock the test moves: what is dropped, and what reachability keeps. */
class GarbageCollectionTest {
    private static final String REPO = "team/app";
    private static final LifecycleSettings SETTINGS = LifecycleSettings.DEFAULTS.withGc(Duration.ofDays(90), Duration.ofHours(1));

    @TempDir
    Path data;

    @Test
    void anImageNotPulledForGcAge_isDropped_tagManifestsAndBlobs_whileAFreshOneStays() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, SETTINGS, "a.test", upstream)) {
            Image old = image(upstream, "old", 1);
            Image fresh = image(upstream, "fresh", 2);
            pull(mirror, old);
            mirror.clock.advance(Duration.ofDays(91));
            pull(mirror, fresh);

            GarbageCollector.Result result = mirror.server.lifecycle().gcNow();

            assertThat(result.tags()).isEqualTo(1);
            assertThat(result.manifests()).isEqualTo(2); // the index and its image manifest
            assertThat(result.blobs()).isEqualTo(2);
            assertThat(mirror.server.storage().index().tag(new TagKey("a.test", REPO, "old"))).isEmpty();
            assertThat(mirror.server.storage().index().manifest(old.index)).isEmpty();
            assertThat(mirror.server.storage().index().manifest(old.manifest)).isEmpty();
            assertThat(mirror.cached(old.config)).isFalse();
            assertThat(mirror.cached(old.layer)).isFalse();
            assertThat(mirror.server.storage().index().tag(new TagKey("a.test", REPO, "fresh"))).isPresent();
            assertThat(List.of(fresh.config, fresh.layer)).allSatisfy(d -> assertThat(mirror.cached(d)).isTrue());

            // What GC dropped is simply fetched again.
            assertThat(mirror.pullManifest("a.test", REPO, "old").statusCode()).isEqualTo(200);
            mirror.pullBlob("a.test", REPO, old.layer);
        }
    }

    @Test
    void aRecentlyPulledIndex_keepsItsChildManifest_andTheChildsBlobs_howeverOld() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, SETTINGS, "a.test", upstream)) {
            Image image = image(upstream, "1.0", 1);
            pull(mirror, image);
            mirror.clock.advance(Duration.ofDays(91));
            // Only the index is pulled again (a client that already has the platform manifest and layers).
            assertThat(mirror.pullManifest("a.test", REPO, "1.0").statusCode()).isEqualTo(200);

            GarbageCollector.Result result = mirror.server.lifecycle().gcNow();

            assertThat(result).isEqualTo(new GarbageCollector.Result(0, 0, 0, 0));
            assertThat(mirror.server.storage().index().manifest(image.manifest)).isPresent();
            assertThat(List.of(image.config, image.layer)).allSatisfy(d -> assertThat(mirror.cached(d)).isTrue());
        }
    }

    @Test
    void anUnreferencedBlob_staysThroughTheGracePeriod_thenGoes() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, SETTINGS, "a.test", upstream)) {
            Digest loose = upstream.blob(REPO, 1000, 7);
            mirror.pullBlob("a.test", REPO, loose); // a pull whose manifest is not cached yet

            mirror.clock.advance(Duration.ofMinutes(30));
            assertThat(mirror.server.lifecycle().gcNow().blobs()).isZero();
            assertThat(mirror.cached(loose)).isTrue();

            mirror.clock.advance(Duration.ofMinutes(31));
            assertThat(mirror.server.lifecycle().gcNow().blobs()).isEqualTo(1);
            assertThat(mirror.cached(loose)).isFalse();
        }
    }

    @Test
    void aPinnedImage_isKeptByGc_howeverOld() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry()) {
            Image image = image(upstream, "1.0", 1);
            try (LifecycleMirror mirror = LifecycleMirror.start(data, SETTINGS.withPins(List.of("a.test/team/app:1.0")), "a.test", upstream)) {
                pull(mirror, image);
                mirror.clock.advance(Duration.ofDays(365));

                assertThat(mirror.server.lifecycle().gcNow()).isEqualTo(new GarbageCollector.Result(0, 0, 0, 0));
                assertThat(mirror.server.storage().index().tag(new TagKey("a.test", REPO, "1.0"))).isPresent();
                assertThat(List.of(image.config, image.layer)).allSatisfy(d -> assertThat(mirror.cached(d)).isTrue());
            }
        }
    }

    private record Image(String tag, Digest index, Digest manifest, Digest config, Digest layer) {
    }

    private static Image image(FakeRegistry upstream, String tag, long seed) {
        Digest config = upstream.blob(REPO, 100, seed * 10);
        Digest layer = upstream.blob(REPO, 5000, seed * 10 + 1);
        Digest manifest = upstream.image(REPO, null, config, List.of(layer));
        Digest index = upstream.index(REPO, tag, List.of(manifest));
        return new Image(tag, index, manifest, config, layer);
    }

    /** What a client does: the tag (an index), the platform manifest by digest, then its blobs. */
    private static void pull(LifecycleMirror mirror, Image image) throws Exception {
        assertThat(mirror.pullManifest("a.test", REPO, image.tag).statusCode()).isEqualTo(200);
        assertThat(mirror.pullManifest("a.test", REPO, image.manifest.toString()).statusCode()).isEqualTo(200);
        mirror.pullBlob("a.test", REPO, image.config);
        mirror.pullBlob("a.test", REPO, image.layer);
    }
}
