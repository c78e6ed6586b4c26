package dev.longshore.proxy.pull;

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

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code GET}/{@code HEAD /v2/<name>/manifests/<reference>}.
 *
 * <p>By digest, a manifest is immutable: once cached it is served from the cache and never asked for again. By tag,
 * the upstream is asked each time (a later change adds a TTL), and the answer is cached by digest with the tag
 * pointing at it. When the upstream cannot be reached, or fails, a cached tag is served with {@code fwd=stale}: a
 * mirror that forgets images whenever its upstream is down helps nobody.
 *
 * <p>Bytes are kept exactly as the upstream sent them, and their digest is computed here, so a client always gets
 * the bytes that hash to the digest it is told.
 */
public final class ManifestService {
    private static final Logger log = LoggerFactory.getLogger(ManifestService.class);

    /** Large enough for any real index or manifest; the spec suggests registries accept at least 4 MiB. */
    public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

    /** What a client that sends no Accept can take: every manifest type we serve. */
    private static final String DEFAULT_ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private final CacheStorage storage;
    private final Executor storageExecutor;
    private final Clock clock;

    public ManifestService(CacheStorage storage, Executor storageExecutor, Clock clock) {
        this.storage = storage;
        this.storageExecutor = storageExecutor;
        this.clock = clock;
    }

    public CompletableFuture<Reply> get(PullRequest request, Reference reference, boolean head) {
        return switch (reference) {
            case Reference.ByDigest byDigest -> byDigest(request, byDigest.digest(), head);
            case Reference.Tag tag -> byTag(request, tag.value(), head);
        };
    }

    private CompletableFuture<Reply> byDigest(PullRequest request, Digest digest, boolean head) {
        return CompletableFuture.supplyAsync(() -> storage.manifest(digest), storageExecutor)
                .thenCompose(cached -> {
                    if (cached.isPresent()) {
                        return CompletableFuture.completedFuture(reply(cached.get(), "hit"));
                    }
                    return fetch(request, digest.toString(), head).thenApplyAsync(response -> {
                        if (head) {
                            return headReply(response);
                        }
                        ManifestRecord manifest = verified(request, response, digest);
                        storage.putManifest(manifest);
                        storage.index().putRepository(request.upstreamName(), request.name().value(), clock.instant());
                        return reply(manifest, "fwd=miss");
                    }, storageExecutor);
                });
    }

    private CompletableFuture<Reply> byTag(PullRequest request, String tag, boolean head) {
        TagKey key = new TagKey(request.upstreamName(), request.name().value(), tag);
        return fetch(request, tag, head).handleAsync((response, error) -> {
            if (error != null) {
                RegistryException failure = error.getCause() instanceof RegistryException r ? r : UpstreamFailures.transport(request.upstream(), error);
                if (failure.code() == ErrorCode.MANIFEST_UNKNOWN) {
                    throw failure; // the upstream says the tag is gone: that is an answer, not an outage
                }
                return stale(key).orElseThrow(() -> failure);
            }
            if (head) {
                return fromHead(key, response);
            }
            ManifestRecord manifest = verified(request, response, null);
            storage.putManifest(manifest);
            storage.putTag(key, new TagRecord(manifest.digest(), clock.instant()));
            storage.index().putRepository(request.upstreamName(), request.name().value(), clock.instant());
            return reply(manifest, "fwd=miss");
        }, storageExecutor);
    }

    /**
     * A HEAD by tag: the cached manifest if the upstream names one we hold, else the upstream's own headers. Either
     * way the tag is recorded: docker asks HEAD by tag, then GET by digest, so this is the only moment a mirror learns
     * which digest the tag meant, and it is what lets the tag be served when the upstream is gone.
     */
    private Reply fromHead(TagKey key, UpstreamResponse response) {
        String digestHeader = response.headers().get("Docker-Content-Digest");
        if (digestHeader == null) {
            return headReply(response);
        }
        Digest digest;
        try {
            digest = Digest.parse(digestHeader);
        } catch (IllegalArgumentException e) {
            log.debug("upstream sent an unusable Docker-Content-Digest '{}'", digestHeader);
            return headReply(response);
        }
        storage.putTag(key, new TagRecord(digest, clock.instant()));
        return storage.manifest(digest).map(cached -> reply(cached, "fwd=miss")).orElseGet(() -> headReply(response));
    }

    private Optional<Reply> stale(TagKey key) {
        return storage.tag(key)
                .flatMap(tag -> storage.manifest(tag.digest()))
                .map(manifest -> reply(manifest, "fwd=stale"));
    }

    /** Asks the upstream; completes with a 200 response, or fails with the registry error its answer means. */
    private CompletableFuture<UpstreamResponse> fetch(PullRequest request, String reference, boolean head) {
        HttpHeaders headers = new DefaultHttpHeaders();
        String accept = String.join(", ", request.clientHeaders().getAll(HttpHeaderNames.ACCEPT));
        headers.set(HttpHeaderNames.ACCEPT, accept.isBlank() ? DEFAULT_ACCEPT : accept);
        var upstreamRequest = new UpstreamRequest(head ? HttpMethod.HEAD : HttpMethod.GET,
                "/v2/" + request.name() + "/manifests/" + reference, headers, request.pullScope());
        return request.upstream().fetch(upstreamRequest, MAX_MANIFEST_BYTES).handle((response, error) -> {
            if (error != null) {
                throw UpstreamFailures.transport(request.upstream(), error);
            }
            if (response.status() != 200) {
                throw UpstreamFailures.status(request.upstream(), response.status(), ErrorCode.MANIFEST_UNKNOWN,
                        "manifest " + request.name() + ":" + reference);
            }
            return response;
        });
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
        headers.set("Docker-Content-Digest", manifest.digest().toString());
        headers.set(HttpHeaderNames.ETAG, "\"" + manifest.digest() + "\"");
        return new Reply.Bytes(HttpResponseStatus.OK, Replies.cacheStatus(headers, cacheStatus), manifest.bytes());
    }

    private static Reply headReply(UpstreamResponse response) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (CharSequence name : new CharSequence[]{HttpHeaderNames.CONTENT_TYPE, "Docker-Content-Digest", HttpHeaderNames.ETAG}) {
            String value = response.headers().get(name);
            if (value != null) {
                headers.set(name, value);
            }
        }
        String length = response.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        return new Reply.HeadOnly(HttpResponseStatus.OK, Replies.cacheStatus(headers, "fwd=miss"),
                length == null ? -1 : Long.parseLong(length.trim()));
    }
}
