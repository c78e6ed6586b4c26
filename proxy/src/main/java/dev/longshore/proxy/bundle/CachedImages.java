package dev.longshore.proxy.bundle;

import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import dev.longshore.storage.RepositoryRecord;
import dev.longshore.storage.TagKey;
import dev.longshore.storage.TagRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Images as the cache holds them: what a reference resolves to, without any upstream, and what is cached at all. */
public final class CachedImages {

    /** One row of {@code longshore ls}; {@code digest} and {@code size} are empty where the cache lacks them. */
    public record Row(String upstream, String repository, String tag, Optional<Digest> digest, Optional<Long> size) {
    }

    private final CacheStorage storage;

    public CachedImages(CacheStorage storage) {
        this.storage = storage;
    }

    /** Manifests straight from the cache's index: verified when they were stored. */
    ManifestSource source() {
        return descriptor -> storage.manifest(descriptor.digest());
    }

    /**
     * The image {@code image} names, walked through the cache: everything in it must be cached except index entries
     * for platforms that were never pulled.
     *
     * @throws BundleException naming the image, or the manifest or blob that is missing
     */
    public ImageContent content(ImageReference image) {
        ManifestRecord root = root(image);
        ImageContent content = ImageWalker.walk(image, root, Optional.empty(), source());
        for (Descriptor blob : content.blobs()) {
            if (storage.findBlob(blob.digest()).isEmpty()) {
                throw new BundleException(image + ": blob " + blob.digest() + " (" + blob.mediaType() + ") is not in the cache");
            }
        }
        return content;
    }

    private ManifestRecord root(ImageReference image) {
        if (image.digest().isPresent()) {
            Digest digest = image.digest().get();
            return storage.manifest(digest).orElseThrow(() ->
                    new BundleException(image + ": manifest " + digest + " is not in the cache; warm it first"));
        }
        String tag = image.tag().orElseThrow();
        List<String> upstreams = upstreamsFor(image);
        for (String upstream : upstreams) {
            Optional<TagRecord> record = storage.tag(new TagKey(upstream, image.repository(), tag));
            if (record.isPresent()) {
                Digest digest = record.get().digest();
                return storage.manifest(digest).orElseThrow(() -> new BundleException(image + ": the tag points to "
                        + digest + ", whose manifest is not in the cache (only its digest was looked up); warm it first"));
            }
        }
        throw new BundleException(image + " is not in the cache" + (upstreams.isEmpty()
                ? " (no repository " + image.repository() + " from " + image.registry() + ")"
                : " (repository " + image.repository() + " has no tag " + tag + ")") + "; warm it first");
    }

    /** The upstream names the cache holds this repository under: {@code docker.io} may be recorded under an alias. */
    private List<String> upstreamsFor(ImageReference image) {
        return storage.index().allRepositories().stream()
                .filter(r -> r.repository().equals(image.repository()) && image.isOn(r.upstream()))
                .map(RepositoryRecord::upstream)
                .toList();
    }

    /** Every cached tag with its digest and the bytes its cached content takes; repositories pulled only by digest get one row without a tag. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (RepositoryRecord repository : storage.index().allRepositories()) {
            List<String> tags = storage.index().tags(repository.upstream(), repository.repository());
            if (tags.isEmpty()) {
                rows.add(new Row(repository.upstream(), repository.repository(), "-", Optional.empty(), Optional.empty()));
            }
            for (String tag : tags) {
                Optional<TagRecord> record = storage.tag(new TagKey(repository.upstream(), repository.repository(), tag));
                Optional<Digest> digest = record.map(TagRecord::digest);
                rows.add(new Row(repository.upstream(), repository.repository(), tag, digest, digest.flatMap(this::cachedSize)));
            }
        }
        return rows;
    }

    /** Manifests and blobs of the image at {@code digest} that are in the cache; empty if its manifest is not. */
    private Optional<Long> cachedSize(Digest digest) {
        Optional<ManifestRecord> root = storage.manifest(digest);
        if (root.isEmpty()) {
            return Optional.empty();
        }
        try {
            ImageContent content = ImageWalker.walk(new ImageReference("cache", "image", Optional.empty(), Optional.of(digest)),
                    root.get(), Optional.empty(), source());
            long blobs = content.blobs().stream()
                    .mapToLong(b -> storage.findBlob(b.digest()).map(s -> s.size()).orElse(0L))
                    .sum();
            return Optional.of(blobs + content.manifests().stream().mapToLong(m -> m.bytes().length).sum());
        } catch (BundleException e) {
            return Optional.empty(); // an index whose platforms were never pulled, or a manifest we cannot read: no size
        }
    }
}
