package dev.longshore.proxy.http;

import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.api.RegistryException;
import dev.longshore.proxy.api.Route;
import dev.longshore.proxy.pull.BlobService;
import dev.longshore.proxy.pull.ManifestService;
import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.pull.PullRequest;
import dev.longshore.proxy.pull.ReferrersService;
import dev.longshore.proxy.pull.TagListService;
import dev.longshore.proxy.pull.Upstreams;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.concurrent.CompletableFuture;

/**
 * The registry API's routing table: from a request line to the service that answers it. Read this class to find any
 * request's path: {@code /v2/} here, manifests in {@link ManifestService}, blobs in {@link BlobService}, tag lists in
 * {@link TagListService}, referrers in {@link ReferrersService}; the upstream a request goes to (by {@code ns}, path
 * prefix or default) is picked by {@link Upstreams} before the path is parsed.
 */
public final class RegistryService {
    private final Upstreams upstreams;
    private final ManifestService manifests;
    private final BlobService blobs;
    private final TagListService tagLists;
    private final ReferrersService referrers;

    public RegistryService(Upstreams upstreams, ManifestService manifests, BlobService blobs, TagListService tagLists,
                           ReferrersService referrers) {
        this.upstreams = upstreams;
        this.manifests = manifests;
        this.blobs = blobs;
        this.tagLists = tagLists;
        this.referrers = referrers;
    }

    /** Answers one request; every failure arrives as a failed future (or a thrown RegistryException) for the handler. */
    public CompletableFuture<Reply> handle(HttpRequest request) {
        return handle(request, new RequestContext());
    }

    /** As {@link #handle(HttpRequest)}, noting the route and upstream in {@code context} as soon as they are known. */
    public CompletableFuture<Reply> handle(HttpRequest request, RequestContext context) {
        HttpMethod method = request.method();
        QueryStringDecoder uri = decode(request.uri());
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            throw new RegistryException(ErrorCode.UNSUPPORTED,
                    "Longshore is a pull-through mirror: " + method + " " + uri.path() + " is not accepted");
        }
        if (uri.path().equals("/v2") || uri.path().equals("/v2/")) {
            context.route(RequestContext.ROUTE_BASE);
            return CompletableFuture.completedFuture(Replies.apiBase()); // the version check names no registry
        }
        Upstreams.Selection selection = upstreams.select(uri.path(), uri.parameters());
        context.upstream(selection.upstream().settings().name());
        Route route = Route.parse(selection.path());
        context.route(switch (route) {
            case Route.ApiBase ignored -> RequestContext.ROUTE_BASE;
            case Route.Upload ignored -> RequestContext.ROUTE_UPLOAD;
            case Route.Manifest ignored -> RequestContext.ROUTE_MANIFEST;
            case Route.Blob ignored -> RequestContext.ROUTE_BLOB;
            case Route.TagList ignored -> RequestContext.ROUTE_TAGS;
            case Route.Referrers ignored -> RequestContext.ROUTE_REFERRERS;
        });
        boolean head = method.equals(HttpMethod.HEAD);
        return switch (route) {
            case Route.ApiBase ignored -> CompletableFuture.completedFuture(Replies.apiBase());
            case Route.Upload upload -> throw new RegistryException(ErrorCode.UNSUPPORTED,
                    "Longshore is a pull-through mirror: uploads to " + upload.name() + " are not accepted");
            case Route.Manifest m -> manifests.get(request(request, uri, selection, m.name()), m.reference(), head);
            case Route.Blob b -> blobs.get(request(request, uri, selection, b.name()), b.digest(), head);
            case Route.TagList t -> tagLists.get(request(request, uri, selection, t.name()));
            case Route.Referrers r -> referrers.get(request(request, uri, selection, r.name()), r.digest());
        };
    }

    /**
     * Decodes the request URI up front, so that a malformed escape is the client's 400 rather than a failure deep in
     * routing. An encoded slash is refused: {@code a%2Fb} must not become the repository {@code a/b} (or a registry
     * prefix) by the back door of decoding.
     */
    private static QueryStringDecoder decode(String rawUri) {
        int query = rawUri.indexOf('?');
        String rawPath = query < 0 ? rawUri : rawUri.substring(0, query);
        if (rawPath.toLowerCase(java.util.Locale.ROOT).contains("%2f")) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "an encoded slash (%2F) is not allowed in a repository name");
        }
        QueryStringDecoder uri = new QueryStringDecoder(rawUri);
        try {
            uri.path();
            uri.parameters();
        } catch (IllegalArgumentException e) {
            throw new RegistryException(ErrorCode.REQUEST_INVALID, "the request URI is not validly percent-encoded: " + e.getMessage());
        }
        return uri;
    }

    private PullRequest request(HttpRequest request, QueryStringDecoder uri, Upstreams.Selection selection, RepositoryName name) {
        return upstreams.request(selection.upstream(), name, uri.parameters(), request.headers());
    }
}
