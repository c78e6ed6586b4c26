package dev.longshore.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longshore.config.Settings;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.pull.RateLimits;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import dev.longshore.storage.RepositoryRecord;
import dev.longshore.storage.TagKey;
import dev.longshore.storage.TagRecord;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admin API under {@code /admin/}, JSON in and out. Every call runs on the storage executor (the caller's
 * concern): it reads and writes the index.
 * <pre>
 * GET    /admin/upstreams                                              the configured upstreams
 * GET    /admin/repositories                                           cached repositories, their tags, sizes, last pull
 * GET    /admin/repositories/{upstream}/{repository}/manifests/{ref}   one image: its manifest and layers
 * DELETE /admin/repositories/{upstream}/{repository}                   forget every tag of a repository
 * DELETE /admin/repositories/{upstream}/{repository}/tags/{tag}        forget one tag: the next pull asks the upstream
 * DELETE /admin/blobs/{digest}                                         delete one blob: the next pull fetches it again
 * POST   /admin/gc                                                     start a garbage collection
 * </pre>
 * Purging a repository or a tag removes what names the content, not the content: manifests and blobs are shared by
 * digest across repositories, so they stay until a GC finds nothing refers to them, or are deleted one by one.
 */
final class AdminApi {
    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Settings settings;
    private final CacheStorage storage;
    private final RateLimits rateLimits;
    private final Supplier<Optional<AdminServer.GarbageCollection>> gc;

    AdminApi(Settings settings, CacheStorage storage, RateLimits rateLimits, Supplier<Optional<AdminServer.GarbageCollection>> gc) {
        this.settings = settings;
        this.storage = storage;
        this.rateLimits = rateLimits;
        this.gc = gc;
    }

    /** Answers {@code method path} (path without {@code /admin}'s query), or 404/405 JSON errors. */
    AdminReply handle(HttpMethod method, String path) {
        List<String> segments = segments(path);
        if (segments.size() < 2 || !segments.get(0).equals("admin")) {
            return AdminReply.error(HttpResponseStatus.NOT_FOUND, "no such admin resource: " + path);
        }
        String resource = segments.get(1);
        List<String> rest = segments.subList(2, segments.size());
        return switch (resource) {
            case "upstreams" -> rest.isEmpty() ? only(method, HttpMethod.GET, this::upstreams) : notFound(path);
            case "repositories" -> repositories(method, rest, path);
            case "blobs" -> rest.size() == 1 ? only(method, HttpMethod.DELETE, () -> deleteBlob(rest.get(0))) : notFound(path);
            case "gc" -> rest.isEmpty() ? only(method, HttpMethod.POST, this::startGc) : notFound(path);
            default -> notFound(path);
        };
    }

    private AdminReply repositories(HttpMethod method, List<String> rest, String path) {
        if (rest.isEmpty()) {
            return only(method, HttpMethod.GET, this::listRepositories);
        }
        if (rest.size() < 2) {
            return notFound(path);
        }
        String upstreamName = rest.get(0);
        Optional<UpstreamSettings> upstream = settings.upstream(upstreamName);
        if (upstream.isEmpty()) {
            return AdminReply.error(HttpResponseStatus.NOT_FOUND, "no upstream named '" + upstreamName + "'; configured: "
                    + settings.upstreams().stream().map(UpstreamSettings::name).toList());
        }
        List<String> names = rest.subList(1, rest.size());
        // {repository...}/tags/{tag} and {repository...}/manifests/{ref}: repository names are matched from the end,
        // since they have any number of segments themselves.
        int n = names.size();
        if (n >= 3 && names.get(n - 2).equals("tags")) {
            String repository = repository(upstream.get(), names.subList(0, n - 2));
            return only(method, HttpMethod.DELETE, () -> deleteTag(new TagKey(upstream.get().name(), repository, names.get(n - 1))));
        }
        if (n >= 3 && names.get(n - 2).equals("manifests")) {
            String repository = repository(upstream.get(), names.subList(0, n - 2));
            return only(method, HttpMethod.GET, () -> image(upstream.get().name(), repository, names.get(n - 1)));
        }
        String repository = repository(upstream.get(), names);
        return only(method, HttpMethod.DELETE, () -> deleteRepository(upstream.get().name(), repository));
    }

    private AdminReply upstreams() {
        ArrayNode list = NODES.arrayNode();
        for (UpstreamSettings upstream : settings.upstreams()) {
            ObjectNode node = list.addObject();
            node.put("name", upstream.name());
            node.put("url", upstream.url().toString());
            node.put("default", upstream == settings.defaultUpstream());
            node.put("username", upstream.credentials().map(UpstreamSettings.Credentials::username).orElse(null));
            node.put("tagTtlSeconds", settings.tagTtl(upstream).toSeconds());
            if (upstream.maxStale().isPresent()) {
                node.put("maxStaleSeconds", upstream.maxStale().get().toSeconds());
            } else {
                node.putNull("maxStaleSeconds");
            }
            node.put("offline", settings.offline());
            node.put("cachedBytes", storage.usage().bytes(upstream.name()));
            double remaining = rateLimits.remaining(upstream.name());
            if (Double.isNaN(remaining)) {
                node.putNull("rateLimitRemaining");
            } else {
                node.put("rateLimitRemaining", (long) remaining);
            }
        }
        return AdminReply.ok(NODES.objectNode().set("upstreams", list));
    }

    private AdminReply listRepositories() {
        ArrayNode list = NODES.arrayNode();
        for (RepositoryRecord record : storage.index().allRepositories()) {
            ObjectNode node = list.addObject();
            node.put("upstream", record.upstream());
            node.put("repository", record.repository());
            node.put("lastPull", record.lastPull().toString());
            ArrayNode tags = node.putArray("tags");
            Map<Digest, Long> repositoryContent = new HashMap<>();
            for (String tag : storage.index().tags(record.upstream(), record.repository())) {
                Optional<TagRecord> tagRecord = storage.tag(new TagKey(record.upstream(), record.repository(), tag));
                if (tagRecord.isEmpty()) {
                    continue;
                }
                Map<Digest, Long> content = content(tagRecord.get().digest());
                repositoryContent.putAll(content);
                tags.addObject()
                        .put("tag", tag)
                        .put("digest", tagRecord.get().digest().toString())
                        .put("fetchedAt", tagRecord.get().fetchedAt().toString())
                        .put("size", sum(content));
            }
            node.put("size", sum(repositoryContent));
        }
        return AdminReply.ok(NODES.objectNode().set("repositories", list));
    }

    /** One image by tag or digest: the manifest as cached, and what it points to with sizes and whether each is cached. */
    private AdminReply image(String upstream, String repository, String reference) {
        Optional<Digest> digest = reference.contains(":")
                ? parseDigest(reference)
                : storage.tag(new TagKey(upstream, repository, reference)).map(TagRecord::digest);
        Optional<ManifestRecord> manifest = digest.flatMap(storage::manifest);
        if (manifest.isEmpty()) {
            return AdminReply.error(HttpResponseStatus.NOT_FOUND, upstream + "/" + repository + ":" + reference + " is not cached");
        }
        ObjectNode node = NODES.objectNode();
        node.put("upstream", upstream);
        node.put("repository", repository);
        node.put("reference", reference);
        node.put("digest", manifest.get().digest().toString());
        node.put("mediaType", manifest.get().mediaType());
        node.put("size", manifest.get().bytes().length);
        node.put("totalSize", sum(content(manifest.get().digest())));
        JsonNode parsed = parse(manifest.get());
        node.set("manifest", parsed);
        if (parsed.has("manifests")) {
            ArrayNode children = node.putArray("manifests");
            for (JsonNode child : parsed.get("manifests")) {
                ObjectNode entry = descriptor(child, d -> storage.manifest(d).isPresent());
                if (child.has("platform")) {
                    entry.set("platform", child.get("platform"));
                }
                children.add(entry);
            }
        }
        if (parsed.has("config")) {
            node.set("config", descriptor(parsed.get("config"), d -> storage.findBlob(d).isPresent()));
        }
        ArrayNode layers = node.putArray("layers");
        for (JsonNode layer : parsed.path("layers")) {
            layers.add(descriptor(layer, d -> storage.findBlob(d).isPresent()));
        }
        return AdminReply.ok(node);
    }

    private AdminReply deleteRepository(String upstream, String repository) {
        List<String> tags = storage.index().tags(upstream, repository);
        boolean known = storage.index().repositories(upstream).stream().anyMatch(r -> r.repository().equals(repository));
        if (tags.isEmpty() && !known) {
            return AdminReply.error(HttpResponseStatus.NOT_FOUND, upstream + "/" + repository + " is not cached");
        }
        for (String tag : tags) {
            storage.dropTag(new TagKey(upstream, repository, tag));
        }
        storage.index().deleteRepository(upstream, repository);
        log.info("admin: purged {}/{} ({} tag(s))", upstream, repository, tags.size());
        return AdminReply.ok(NODES.objectNode().put("upstream", upstream).put("repository", repository).put("tagsDeleted", tags.size()));
    }

    private AdminReply deleteTag(TagKey key) {
        if (storage.tag(key).isEmpty()) {
            return AdminReply.error(HttpResponseStatus.NOT_FOUND, key.upstream() + "/" + key.repository() + ":" + key.tag() + " is not cached");
        }
        storage.dropTag(key);
        log.info("admin: purged tag {}/{}:{}", key.upstream(), key.repository(), key.tag());
        return AdminReply.ok(NODES.objectNode().put("upstream", key.upstream()).put("repository", key.repository()).put("tag", key.tag()));
    }

    private AdminReply deleteBlob(String text) {
        Optional<Digest> digest = parseDigest(text);
        if (digest.isEmpty()) {
            return AdminReply.error(HttpResponseStatus.BAD_REQUEST, "not a digest: '" + text + "'");
        }
        boolean existed;
        try {
            existed = storage.deleteBlob(digest.get());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!existed) {
            return AdminReply.error(HttpResponseStatus.NOT_FOUND, "blob " + digest.get() + " is not cached");
        }
        log.info("admin: purged blob {}", digest.get());
        return AdminReply.ok(NODES.objectNode().put("digest", digest.get().toString()));
    }

    private AdminReply startGc() {
        Optional<AdminServer.GarbageCollection> collector = gc.get();
        if (collector.isEmpty()) {
            return AdminReply.error(HttpResponseStatus.NOT_IMPLEMENTED, "garbage collection is not available in this build");
        }
        collector.get().start().whenComplete((result, error) -> {
            if (error != null) {
                log.warn("admin: GC failed", error);
            } else {
                log.info("admin: GC done: {}", result);
            }
        });
        return AdminReply.json(HttpResponseStatus.ACCEPTED, NODES.objectNode().put("status", "started"));
    }

    /**
     * Every digest the manifest names, with its size: itself, its config and layers, and for an index each cached
     * child's. Sizes are the descriptors' (what a pull transfers), whether or not each blob is cached yet.
     */
    private Map<Digest, Long> content(Digest root) {
        Map<Digest, Long> sizes = new LinkedHashMap<>();
        Optional<ManifestRecord> manifest = storage.manifest(root);
        if (manifest.isEmpty()) {
            return sizes;
        }
        sizes.put(root, (long) manifest.get().bytes().length);
        JsonNode parsed = parse(manifest.get());
        List<JsonNode> descriptors = new ArrayList<>();
        descriptors.add(parsed.path("config"));
        parsed.path("layers").forEach(descriptors::add);
        for (JsonNode d : descriptors) {
            parseDigest(d.path("digest").asText("")).ifPresent(digest -> sizes.put(digest, d.path("size").asLong(0)));
        }
        for (JsonNode child : parsed.path("manifests")) {
            parseDigest(child.path("digest").asText("")).filter(d -> !d.equals(root)).ifPresent(d -> sizes.putAll(childContent(d)));
        }
        return sizes;
    }

    /** A child of an index: itself and its blobs, not its own children (an index of indexes is not an image). */
    private Map<Digest, Long> childContent(Digest child) {
        Map<Digest, Long> sizes = new LinkedHashMap<>();
        storage.manifest(child).ifPresent(m -> {
            sizes.put(child, (long) m.bytes().length);
            JsonNode parsed = parse(m);
            List<JsonNode> descriptors = new ArrayList<>();
            descriptors.add(parsed.path("config"));
            parsed.path("layers").forEach(descriptors::add);
            for (JsonNode d : descriptors) {
                parseDigest(d.path("digest").asText("")).ifPresent(digest -> sizes.put(digest, d.path("size").asLong(0)));
            }
        });
        return sizes;
    }

    private static ObjectNode descriptor(JsonNode descriptor, java.util.function.Predicate<Digest> cached) {
        ObjectNode node = NODES.objectNode();
        String digest = descriptor.path("digest").asText(null);
        node.put("digest", digest);
        node.put("mediaType", descriptor.path("mediaType").asText(null));
        node.put("size", descriptor.path("size").asLong(0));
        node.put("cached", digest != null && parseDigest(digest).map(cached::test).orElse(false));
        return node;
    }

    private static JsonNode parse(ManifestRecord manifest) {
        try {
            JsonNode node = JSON.readTree(manifest.bytes());
            return node == null ? NODES.objectNode() : node;
        } catch (IOException e) {
            return NODES.objectNode();
        }
    }

    private static long sum(Map<Digest, Long> sizes) {
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }

    /** On Docker Hub, {@code alpine} is {@code library/alpine}, as in pulls. */
    private static String repository(UpstreamSettings upstream, List<String> names) {
        String repository = String.join("/", names);
        return upstream.isDockerHub() && names.size() == 1 ? "library/" + repository : repository;
    }

    private static Optional<Digest> parseDigest(String text) {
        try {
            return Optional.of(Digest.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static AdminReply only(HttpMethod method, HttpMethod allowed, Supplier<AdminReply> action) {
        if (!method.equals(allowed)) {
            return AdminReply.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use " + allowed);
        }
        return action.get();
    }

    private static AdminReply notFound(String path) {
        return AdminReply.error(HttpResponseStatus.NOT_FOUND, "no such admin resource: " + path);
    }

    private static List<String> segments(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    }
}
