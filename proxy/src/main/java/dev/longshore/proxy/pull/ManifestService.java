package dev.longshore.proxy.pull;

import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.Reference;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code GET}/{@code HEAD /v2/<name>/manifests/<reference>}.
 *
 * <p>By digest, a manifest is immutable: once cached it is served from the cache and never asked for again. By tag:
 * <ul>
 *   <li>within the upstream's tag TTL, the cached manifest is served with no upstream request;</li>
 *   <li>past it, the tag is revalidated with an upstream {@code HEAD} (which Docker Hub does not count as a pull), and
 *       the manifest is fetched with {@code GET} only when the digest changed; a client's HEAD never becomes an
 *       upstream GET;</li>
 *   <li>while the upstream's pull quota is low ({@link RateLimits}), or Longshore is offline, the cached tag is served
 *       past its TTL;</li>
 *   <li>when revalidation fails (unreachable, timeout, 429, 5xx) the cached tag is served with {@code fwd=stale} for up
 *       to the upstream's {@code maxStale}: a mirror that forgets images whenever its upstream is down helps nobody.</li>
 * </ul>
 * Concurrent upstream requests for the same (upstream, repository, reference) are coalesced into one.
 *
 * <p>Bytes are kept exactly as the upstream sent them, and their digest is computed here, so a client always gets
 * the bytes that hash to the digest it is told.
 */
public final class ManifestService {
    private static final Logger log = LoggerFactory.getLogger(ManifestService.class);

    /** Large enough for any real index or manifest; the spec suggests registries accept at least 4 MiB. */
    public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
    static final String DIGEST_HEADER = "Docker-Content-Digest";

    /** What a client that sends no Accept can take: every manifest type we serve. */
    private static final String DEFAULT_ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private final CacheStorage storage;
    private final Executor storageExecutor;
    private final Freshness freshness;
    private final RateLimits rateLimits;
    private final StaleServes staleServes;
    /** Accept is part of the key: a client asking for one media type must not get another client's answer. */
    private final InFlight<CallKey, UpstreamResponse> calls = new InFlight<>();

    private record CallKey(String upstream, String repository, String reference, HttpMethod method, String accept) {
    }

    /** A tag as cached: where it pointed, and that manifest if we hold it. */
    private record CachedTag(TagRecord tag, Optional<ManifestRecord> manifest) {
    }

    public ManifestService(CacheStorage storage, Executor storageExecutor, Freshness freshness, RateLimits rateLimits,
                           StaleServes staleServes) {
        this.storage = storage;
        this.storageExecutor = storageExecutor;
        this.freshness = freshness;
        this.rateLimits = rateLimits;
        this.staleServes = staleServes;
    }

    public CompletableFuture<Reply> get(PullRequest request, Reference reference, boolean head) {
        return switch (reference) {
            case Reference.ByDigest byDigest -> byDigest(request, byDigest.digest(), head);
            case Reference.Tag tag -> byTag(request, tag.value(), head);
        };
    }

    private CompletableFuture<Reply> byDigest(PullRequest request, Digest digest, boolean head) {
        Optional<ManifestRecord> inMemory = storage.manifestIfCached(digest);
        CompletableFuture<Optional<ManifestRecord>> lookup = inMemory.isPresent()
                ? CompletableFuture.completedFuture(inMemory)
                : CompletableFuture.supplyAsync(() -> storage.manifest(digest), storageExecutor);
        return lookup.thenCompose(cached -> {
            if (cached.isPresent()) {
                return CompletableFuture.completedFuture(reply(cached.get(), "hit"));
            }
            InFlight.Call<UpstreamResponse> call = fetch(request, digest.toString(), head);
            return call.result().thenApplyAsync(response -> {
                if (head) {
                    return headReply(response, missStatus(call));
                }
                ManifestRecord manifest = verified(request, response, digest);
                storage.putManifest(manifest);
                storage.index().putRepository(request.upstreamName(), request.name().value(), freshness.now());
                return reply(manifest, missStatus(call));
            }, storageExecutor);
        });
    }

    private CompletableFuture<Reply> byTag(PullRequest request, String tag, boolean head) {
        TagKey key = new TagKey(request.upstreamName(), request.name().value(), tag);
        UpstreamSettings upstream = request.upstream().settings();
        // A hit in memory is answered right here, on the event loop: the hop to the storage executor and back costs two
        // thread wake-ups per request, and only a read of the index needs it.
        Optional<CachedTag> inMemory = cachedTagInMemory(key);
        CompletableFuture<Optional<CachedTag>> lookup = inMemory.isPresent() && inMemory.get().manifest().isPresent()
                ? CompletableFuture.completedFuture(inMemory)
                : CompletableFuture.supplyAsync(() -> cachedTag(key), storageExecutor);
        // What follows only starts upstream calls and continues on the storage executor: it never blocks the caller.
        return lookup.thenCompose(cached -> {
            if (cached.isEmpty() || cached.get().manifest().isEmpty()) {
                return miss(request, key, head);
            }
            ManifestRecord manifest = cached.get().manifest().get();
            if (request.upstream().offline() || freshness.fresh(upstream, cached.get().tag().fetchedAt())) {
                return CompletableFuture.completedFuture(reply(manifest, "hit"));
            }
            if (rateLimits.low(upstream.name())) {
                log.debug("{}: pull quota low, serving {} from the cache past its TTL", upstream.name(), key);
                return CompletableFuture.completedFuture(reply(manifest, "hit; detail=quota-low"));
            }
            return revalidate(request, key, cached.get(), head);
        });
    }

    private Optional<CachedTag> cachedTag(TagKey key) {
        return storage.tag(key).map(tag -> new CachedTag(tag, storage.manifest(tag.digest())));
    }

    /** {@link #cachedTag} from memory alone: never reads the index, so the event loop may ask. */
    private Optional<CachedTag> cachedTagInMemory(TagKey key) {
        return storage.tagIfCached(key).map(tag -> new CachedTag(tag, storage.manifestIfCached(tag.digest())));
    }

    /** No manifest cached for the tag: ask the upstream the client's own question (HEAD stays HEAD). */
    private CompletableFuture<Reply> miss(PullRequest request, TagKey key, boolean head) {
        InFlight.Call<UpstreamResponse> call = fetch(request, key.tag(), head);
        return call.result().thenApplyAsync(response -> head
                ? fromHead(key, response, missStatus(call))
                : store(request, key, response, missStatus(call)), storageExecutor);
    }

    /**
     * Past the TTL: a HEAD tells whether the tag still names the cached manifest. Only a moved tag costs a GET, and only
     * when the client asked for the body.
     */
    private CompletableFuture<Reply> revalidate(PullRequest request, TagKey key, CachedTag cached, boolean head) {
        ManifestRecord manifest = cached.manifest().orElseThrow();
        return fetch(request, key.tag(), true).result().handleAsync((response, error) -> {
            if (error != null) {
                return CompletableFuture.completedFuture(staleOrThrow(request, cached, error));
            }
            Optional<Digest> digest = digestHeader(response);
            if (digest.isPresent() && digest.get().equals(manifest.digest())) {
                storage.putTag(key, new TagRecord(manifest.digest(), freshness.now()));
                return CompletableFuture.completedFuture(reply(manifest, "hit; detail=revalidated"));
            }
            if (head) {
                return CompletableFuture.completedFuture(fromHead(key, response, "fwd=miss"));
            }
            InFlight.Call<UpstreamResponse> get = fetch(request, key.tag(), false);
            return get.result().handleAsync((moved, getError) -> getError != null
                    ? staleOrThrow(request, cached, getError)
                    : store(request, key, moved, missStatus(get)), storageExecutor);
        }, storageExecutor).thenCompose(reply -> reply);
    }

    /** The cached tag, if revalidation failed for a reason that is an outage rather than an answer, within maxStale. */
    private Reply staleOrThrow(PullRequest request, CachedTag cached, Throwable error) {
        RegistryException failure = UpstreamFailures.transport(request.upstream(), error);
        if (failure.code() == ErrorCode.MANIFEST_UNKNOWN) {
            throw failure; // the upstream says the tag is gone (or not ours to read): that is an answer, not an outage
        }
        UpstreamSettings upstream = request.upstream().settings();
        if (!freshness.servableStale(upstream, cached.tag().fetchedAt())) {
            throw new RegistryException(failure.code(), failure.detail() + "; the cached copy fetched at "
                    + cached.tag().fetchedAt() + " is past maxStale " + upstream.maxStale().orElseThrow(), failure);
        }
        log.info("{}: serving {}:{} stale: {}", upstream.name(), request.name(), cached.tag().digest(), failure.detail());
        staleServes.count(upstream.name(), "tag");
        return reply(cached.manifest().orElseThrow(), "fwd=stale");
    }

    private Reply store(PullRequest request, TagKey key, UpstreamResponse response, String cacheStatus) {
        ManifestRecord manifest = verified(request, response, null);
        storage.putManifest(manifest);
        storage.putTag(key, new TagRecord(manifest.digest(), freshness.now()));
        storage.index().putRepository(request.upstreamName(), request.name().value(), freshness.now());
        return reply(manifest, cacheStatus);
    }

    /**
     * A HEAD by tag: the cached manifest if the upstream names one we hold, else the upstream's own headers. Either
     * way the tag is recorded: docker asks HEAD by tag, then GET by digest, so this is the only moment a mirror learns
     * which digest the tag meant, and it is what lets the tag be served when the upstream is gone.
     */
    private Reply fromHead(TagKey key, UpstreamResponse response, String cacheStatus) {
        Optional<Digest> digest = digestHeader(response);
        if (digest.isEmpty()) {
            return headReply(response, cacheStatus);
        }
        storage.putTag(key, new TagRecord(digest.get(), freshness.now()));
        return storage.manifest(digest.get()).map(cached -> reply(cached, cacheStatus)).orElseGet(() -> headReply(response, cacheStatus));
    }

    private static Optional<Digest> digestHeader(UpstreamResponse response) {
        String value = response.headers().get(DIGEST_HEADER);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Digest.parse(value.trim()));
        } catch (IllegalArgumentException e) {
            log.debug("upstream sent an unusable Docker-Content-Digest '{}'", value);
            return Optional.empty();
        }
    }

    /**
     * Asks the upstream, or joins the same question already asked; completes with a 200 response, or fails with the
     * registry error its answer means. Every answer's quota headers are recorded.
     */
    private InFlight.Call<UpstreamResponse> fetch(PullRequest request, String reference, boolean head) {
        String accept = String.join(", ", request.clientHeaders().getAll(HttpHeaderNames.ACCEPT));
        String effectiveAccept = accept.isBlank() ? DEFAULT_ACCEPT : accept;
        HttpMethod method = head ? HttpMethod.HEAD : HttpMethod.GET;
        CallKey key = new CallKey(request.upstreamName(), request.name().value(), reference, method, effectiveAccept);
        return calls.run(key, () -> {
            HttpHeaders headers = new DefaultHttpHeaders();
            headers.set(HttpHeaderNames.ACCEPT, effectiveAccept);
            var upstreamRequest = new UpstreamRequest(method, "/v2/" + request.name() + "/manifests/" + reference,
                    headers, request.pullScope());
            return request.upstream().fetch(upstreamRequest, MAX_MANIFEST_BYTES).handle((response, error) -> {
                if (error != null) {
                    throw UpstreamFailures.transport(request.upstream(), error);
                }
                rateLimits.observe(request.upstreamName(), response.headers());
                if (response.status() != 200) {
                    throw UpstreamFailures.status(request.upstream(), response.status(), ErrorCode.MANIFEST_UNKNOWN,
                            "manifest " + request.name() + ":" + reference);
                }
                return response;
            });
        });
    }

    private static String missStatus(InFlight.Call<?> call) {
        return call.joined() ? "fwd=miss; collapsed" : "fwd=miss";
    }

    /** The upstream's manifest, if its bytes hash to {@code expected} (when given). */
    private static ManifestRecord verified(PullRequest request, UpstreamResponse response, Digest expected) {
        String mediaType = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (mediaType == null || mediaType.isBlank()) {
            throw new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE,
                    "upstream " + request.upstreamName() + " sent a manifest without a Content-Type");
        }
        Digest actual = expected == null || expected.algorithm().equals("sha256")
                ? Digest.sha256Of(response.body())
                : Digest.of(expected.algorithm(), expected.newHasher().digest(response.body()));
        if (expected != null && !expected.equals(actual)) {
            throw new RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE,
                    "upstream " + request.upstreamName() + " sent a manifest whose digest is " + actual + ", not " + expected);
        }
        return new ManifestRecord(actual, mediaType, response.body());
    }

    private static Reply reply(ManifestRecord manifest, String cacheStatus) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, manifest.mediaType());
        headers.set(DIGEST_HEADER, manifest.digest().toString());
        headers.set(HttpHeaderNames.ETAG, Replies.entityTag(manifest.digest()));
        return new Reply.Bytes(HttpResponseStatus.OK, Replies.cacheStatus(headers, cacheStatus), manifest.bytes());
    }

    private static Reply headReply(UpstreamResponse response, String cacheStatus) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (CharSequence name : new CharSequence[]{HttpHeaderNames.CONTENT_TYPE, DIGEST_HEADER, HttpHeaderNames.ETAG}) {
            String value = response.headers().get(name);
            if (value != null) {
                headers.set(name, value);
            }
        }
        String length = response.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        return new Reply.HeadOnly(HttpResponseStatus.OK, Replies.cacheStatus(headers, cacheStatus),
                length == null ? -1 : Long.parseLong(length.trim()));
    }
}
