package dev.longshore.proxy.lifecycle;

import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.TagKey;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Images that are never evicted or collected: the pinned tag, the manifest it names, for an index every child manifest,
 * and every blob (config and layers) of those. Pins protect what is cached; they do not fetch anything. Resolved
 * afresh each time, so a pinned tag that moved protects its new manifest.
 */
public final class Pins {

    /** What the pins protect right now. */
    public record Protected(Set<TagKey> tags, Set<Digest> manifests, Set<Digest> blobs) {
        public boolean blob(Digest digest) {
            return blobs.contains(digest);
        }
    }

    private final List<ImageReference> images;

    public Pins(List<ImageReference> images) {
        this.images = List.copyOf(images);
    }

    public static Pins none() {
        return new Pins(List.of());
    }

    public List<ImageReference> images() {
        return images;
    }

    /** Reads the index directly, so resolving pins neither records pulls nor fills the in-memory caches. */
    public Protected resolve(CacheStorage storage) {
        Set<TagKey> tags = new HashSet<>();
        Set<Digest> roots = new HashSet<>();
        for (ImageReference image : images) {
            image.digest().ifPresent(roots::add);
            Optional<TagKey> key = image.tagKey();
            if (key.isPresent()) {
                tags.add(key.get());
                storage.index().tag(key.get()).ifPresent(tag -> roots.add(tag.digest()));
            }
        }
        Set<Digest> manifests = new HashSet<>();
        Set<Digest> blobs = new HashSet<>();
        closure(storage, roots, manifests, blobs::add);
        return new Protected(Set.copyOf(tags), Set.copyOf(manifests), Set.copyOf(blobs));
    }

    /** Every manifest reachable from {@code roots} (index → children) into {@code manifests}, and their blobs to {@code blobs}. */
    static void closure(CacheStorage storage, Set<Digest> roots, Set<Digest> manifests, java.util.function.Consumer<Digest> blobs) {
        Deque<Digest> queue = new ArrayDeque<>(roots);
        while (!queue.isEmpty()) {
            Digest digest = queue.poll();
            if (!manifests.add(digest)) {
                continue;
            }
            storage.index().manifest(digest).ifPresent(manifest -> {
                ManifestReferences references = ManifestReferences.of(manifest);
                queue.addAll(references.manifests());
                references.blobs().forEach(blobs);
            });
        }
    }
}
