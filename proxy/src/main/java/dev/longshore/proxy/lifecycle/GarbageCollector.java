package dev.longshore.proxy.lifecycle;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.config.Sizes;
import dev.longshore.storage.BlobRecord;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.TagKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Drops what nobody pulls any more. In order:
 * <ol>
 *   <li>tags not pulled for {@code gcAge} (unless pinned);</li>
 *   <li>manifests not reachable from a kept tag, a pin, or a manifest pulled within {@code gcAge} (an index keeps its
 *       children);</li>
 *   <li>blobs that no kept manifest references, not accessed for {@code gcGrace} and not pinned. The grace period is
 *       what makes GC safe during a pull: its blobs may be cached before the manifest naming them is.</li>
 * </ol>
 * Tags and manifests with no pull time yet (cached before pull times were kept, or whose time a crash lost) are
 * given "now", so nothing is dropped for lack of a record.
 *
 * <p>Not thread-safe: {@link CacheLifecycle} runs one at a time; {@code longshore gc} runs it alone.
 */
public final class GarbageCollector {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    public record Result(int tags, int manifests, int blobs, long bytes) {
    }

    private final CacheStorage storage;
    private final Duration gcAge;
    private final Duration gcGrace;
    private final Pins pins;

    public GarbageCollector(CacheStorage storage, LifecycleSettings settings, Pins pins) {
        this.storage = storage;
        this.gcAge = settings.gcAge();
        this.gcGrace = settings.gcGrace();
        this.pins = pins;
    }

    public Result run() throws IOException {
        storage.flushAccesses();
        Instant now = storage.clock().instant();
        Instant pulledSince = now.minus(gcAge);
        Pins.Protected pinned = pins.resolve(storage);
        Map<TagKey, Instant> unknownTagPulls = new HashMap<>();
        Map<Digest, Instant> unknownManifestPulls = new HashMap<>();

        Set<Digest> roots = new HashSet<>(pinned.manifests());
        List<TagKey> oldTags = new ArrayList<>();
        storage.index().forEachTag((key, tag) -> {
            Optional<Instant> pulled = storage.index().tagPull(key);
            if (pulled.isEmpty()) {
                unknownTagPulls.put(key, now);
            }
            if (pinned.tags().contains(key) || pulled.isEmpty() || !pulled.get().isBefore(pulledSince)) {
                roots.add(tag.digest());
            } else {
                oldTags.add(key);
            }
        });
        List<Digest> allManifests = new ArrayList<>();
        storage.index().forEachManifest(manifest -> {
            allManifests.add(manifest.digest());
            Optional<Instant> pulled = storage.index().manifestPull(manifest.digest());
            if (pulled.isEmpty()) {
                unknownManifestPulls.put(manifest.digest(), now);
            }
            if (pulled.isEmpty() || !pulled.get().isBefore(pulledSince)) {
                roots.add(manifest.digest());
            }
        });
        Set<Digest> keptManifests = new HashSet<>();
        DigestPrefixSet referencedBlobs = new DigestPrefixSet();
        Pins.closure(storage, roots, keptManifests, referencedBlobs::add);

        for (TagKey key : oldTags) {
            storage.dropTag(key);
        }
        int manifests = 0;
        for (Digest digest : allManifests) {
            if (!keptManifests.contains(digest)) {
                storage.dropManifest(digest);
                manifests++;
            }
        }
        if (!unknownTagPulls.isEmpty() || !unknownManifestPulls.isEmpty()) {
            storage.index().recordAccesses(Map.of(), unknownManifestPulls, unknownTagPulls);
        }

        Instant accessedSince = now.minus(gcGrace);
        List<BlobRecord> garbage = new ArrayList<>();
        storage.index().forEachBlob(blob -> {
            if (blob.lastAccess().isBefore(accessedSince) && !referencedBlobs.contains(blob.digest()) && !pinned.blob(blob.digest())) {
                garbage.add(blob);
            }
        });
        int blobs = 0;
        long bytes = 0;
        for (BlobRecord blob : garbage) {
            if (storage.evict(blob)) {
                blobs++;
                bytes += blob.size();
            }
        }
        Result result = new Result(oldTags.size(), manifests, blobs, bytes);
        if (result.tags() + result.manifests() + result.blobs() > 0) {
            log.info("GC dropped {} tag(s) and {} manifest(s) not pulled for {}, and {} unreferenced blob(s), {}",
                    result.tags(), result.manifests(), gcAge, result.blobs(), Sizes.format(result.bytes()));
        }
        return result;
    }
}
