package dev.longshore.proxy.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.fill.UpstreamFailures;
import dev.longshore.proxy.http.Replies;
import dev.longshore.proxy.http.Reply;
import dev.longshore.proxy.upstream.UpstreamRequest;
import dev.longshore.proxy.upstream.UpstreamResponse;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.ManifestRecord;
import dev.longshore.storage.TagKey;
import dev.longshore.storage.TagRecord;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringEncoder;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code GET /v2/<name>/referrers/<digest>[?artifactType=...]}: the OCI referrers API, passed through and cached.
 *
 * <p>A referrers list changes whenever someone signs or attests an image, so it is cached like a tag: served from the
 * cache within the upstream's tag TTL, asked again after it, served stale (within maxStale) when the upstream cannot be
 * reached. An upstream that answers 404 does not support the API; per the spec the answer is then an empty index,
 * after which clients fall back to the {@code sha256-<hex>} tag schema (which works as ordinary tags).
 *
 * <p>When the client filters by {@code artifactType} and the upstream did not apply the filter (no
 * {@code OCI-Filters-Applied}), it is applied here, so the answer always honours the filter it says it applied.
 *
 * <p>Cached under its own key space: the index bytes as a manifest (by their digest), and a {@link TagKey} whose
 * upstream part is {@code referrers@<upstream>}, a name no real upstream can have, so these never show up as tags.
 */
public final class ReferrersService {
    public static final String INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";
    static final String FILTERS_APPLIED = "OCI-Filters-Applied";
    private static final int MAX_REFERRERS_BYTES = 4 * 1024 * 1024;
    private static final String KEY_SPACE = "referrers@";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CacheStorage storage;
    private final Executor storageExecutor;
    private final Freshness freshness;
    private final StaleServes staleServes;
    private final InFlight<TagKey, UpstreamResponse> calls = new InFlight<>();

    public ReferrersService(CacheStorage storage, Executor storageExecutor, Freshness freshness, StaleServes staleServes) {
        this.storage = storage;
        this.storageExecutor = storageExecutor;
        this.freshness = freshness;
        this.staleServes = staleServes;
    }

    private record Cached(TagRecord fetched, ManifestRecord index) {
    }

    public CompletableFuture<Reply> get(PullRequest request, Digest subject) {
        Optional<String> artifactType = request.query().getOrDefault("artifactType", List.of()).stream().findFirst();
        TagKey key = new TagKey(KEY_SPACE + request.upstreamName(), request.name().value(),
                subject + artifactType.map(t -> "?artifactType=" + URLEncoder.encode(t, StandardCharsets.UTF_8)).orElse(""));
        UpstreamSettings upstream = request.upstream().settings();
        return CompletableFuture.supplyAsync(() -> cached(key), storageExecutor).thenCompose(cached -> {
            if (cached.isPresent() && (request.upstream().offline() || freshness.fresh(upstream, cached.get().fetched().fetchedAt()))) {
                return CompletableFuture.completedFuture(reply(cached.get().index(), "hit", artifactType));
            }
            InFlight.Call<UpstreamResponse> call = calls.run(key, () -> fetch(request, subject, artifactType));
            return call.result().handleAsync((response, error) -> {
                if (error != null) {
                    return staleOrThrow(request, cached, error, artifactType);
                }
                ManifestRecord index = index(request, response, artifactType);
                storage.putManifest(index);
                storage.putTag(key, new TagRecord(index.digest(), freshness.now()));
                return reply(index, call.joined() ? "fwd=miss; collapsed" : "fwd=miss", artifactType);
            }, storageExecutor);
        });
    }

    private Optional<Cached> cached(TagKey key) {
        return storage.tag(key).flatMap(tag -> storage.manifest(tag.digest()).map(index -> new Cached(tag, index)));
    }

    /** The upstream's answer: 200 with a list, or 404 (no referrers API); anything else fails with its registry error. */
    private static CompletableFuture<UpstreamResponse> fetch(PullRequest request, Digest subject, Optional<String> artifactType) {
        QueryStringEncoder path = new QueryStringEncoder("/v2/" + request.name() + "/referrers/" + subject);
        artifactType.ifPresent(t -> path.addParam("artifactType", t));
        HttpHeaders headers = new DefaultHttpHeaders().set(HttpHeaderNames.ACCEPT, INDEX_MEDIA_TYPE);
        var upstreamRequest = new UpstreamRequest(HttpMethod.GET, path.toString(), headers, request.pullScope());
        return request.upstream().fetch(upstreamRequest, MAX_REFERRERS_BYTES).handle((response, error) -> {
            if (error != null) {
                throw UpstreamFailures.transport(request.upstream(), error);
            }
            if (response.status() != 200 && response.status() != 404) {
                throw UpstreamFailures.status(request.upstream(), response.status(), ErrorCode.MANIFEST_UNKNOWN,
                        "referrers of " + request.name() + "@" + subject);
            }
            return response;
        });
    }

    private Reply staleOrThrow(PullRequest request, Optional<Cached> cached, Throwable error, Optional<String> artifactType) {
        RegistryException failure = UpstreamFailures.transport(request.upstream(), error);
        UpstreamSettings upstream = request.upstream().settings();
        if (cached.isEmpty() || failure.code() == ErrorCode.MANIFEST_UNKNOWN
                || !freshness.servableStale(upstream, cached.get().fetched().fetchedAt())) {
            throw failure;
        }
        staleServes.count(upstream.name(), "referrers");
        return reply(cached.get().index(), "fwd=stale", artifactType);
    }

    /** The index to cache and serve: the upstream's, filtered here if it did not filter; empty for a 404. */
    private static ManifestRecord index(PullRequest request, UpstreamResponse response, Optional<String> artifactType) {
        if (response.status() == 404) {
            return record(emptyIndex());
        }
        boolean filtered = response.headers().contains(FILTERS_APPLIED)
                && response.headers().get(FILTERS_APPLIED).contains("artifactType");
        if (artifactType.isEmpty() || filtered) {
            return new ManifestRecord(Digest.sha256Of(response.body()), INDEX_MEDIA_TYPE, response.body());
        }
        try {
            JsonNode parsed = JSON.readTree(response.body());
            if (parsed == null || !parsed.isObject() || !parsed.path("manifests").isArray()) {
                throw new IOException("not an image index");
            }
            ObjectNode index = (ObjectNode) parsed;
            ArrayNode kept = JSON.createArrayNode();
            for (JsonNode descriptor : index.get("manifests")) {
                if (artifactType.get().equals(descriptor.path("artifactType").asText())) {
                    kept.add(descriptor);
                }
            }
            index.set("manifests", kept);
            return record(index);
        } catch (IOException e) {
            throw new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE,
                    "upstream " + request.upstreamName() + " sent a referrers list that is not an image index: " + e.getMessage());
        }
    }

    private static ObjectNode emptyIndex() {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", INDEX_MEDIA_TYPE);
        index.putArray("manifests");
        return index;
    }

    private static ManifestRecord record(JsonNode index) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(index);
            return new ManifestRecord(Digest.sha256Of(bytes), INDEX_MEDIA_TYPE, bytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: a JSON tree always serializes", e);
        }
    }

    private static Reply reply(ManifestRecord index, String cacheStatus, Optional<String> artifactType) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, INDEX_MEDIA_TYPE);
        if (artifactType.isPresent()) {
            headers.set(FILTERS_APPLIED, "artifactType");
        }
        return new Reply.Bytes(HttpResponseStatus.OK, Replies.cacheStatus(headers, cacheStatus), index.bytes());
    }
}
