package dev.longshore.proxy.upstream;

import dev.longshore.config.UpstreamSettings;
import dev.longshore.config.UpstreamSettings.Credentials;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.Function;

/**
 * Talks to one upstream registry over the Registry HTTP API v2 (the pull side of the OCI distribution spec):
 * pooled keep-alive connections, TLS, read timeouts, the bearer token flow, Basic auth and redirects.
 *
 * <p>Futures complete, and sinks are called, on the connection's event loop: callers must not block in them.
 */
public final class UpstreamClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UpstreamClient.class);

    static final String USER_AGENT = "longshore/0.1";
    static final int MAX_REDIRECTS = 5;
    static final int MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

    private final UpstreamSettings settings;
    private final Origin upstream;
    /** The upstream URL without a trailing slash, to which request paths are appended. */
    private final String upstreamBase;
    private final ConnectionPools pools;
    private final TokenCache tokens;
    private final Clock clock;
    private final LongAccumulator queuedHighWater = new LongAccumulator(Math::max, 0);
    /** Never open a connection: every request fails at once with the 404 a cache miss gets offline. */
    private final boolean offline;
    private final UpstreamObserver observer;

    /** Set once the upstream asked for Basic: from then on credentials go along with every request to it. */
    private volatile boolean basicRequested;
    /** The token service named by the upstream's last Bearer challenge, to get tokens for new scopes up front. */
    private volatile TokenService tokenService;

    private record TokenService(String realm, String service) {
    }

    /** What a request carries in its Authorization header; {@code key} and {@code token} only for Bearer. */
    private record Authorization(String header, TokenKey key, BearerToken token) {
    }

    public UpstreamClient(UpstreamSettings settings, EventLoopGroup group) {
        this(settings, group, Clock.systemUTC());
    }

    /** With the clock that decides token expiry (tests move it). */
    public UpstreamClient(UpstreamSettings settings, EventLoopGroup group, Clock clock) {
        this(settings, group, clock, false);
    }

    /** {@code offline}: the client refuses every request before any DNS lookup or connection (see {@link OfflineRefusal}). */
    public UpstreamClient(UpstreamSettings settings, EventLoopGroup group, Clock clock, boolean offline) {
        this(settings, group, clock, offline, UpstreamObserver.NONE);
    }

    /** {@code observer} hears of every exchange with the upstream, for metrics. */
    public UpstreamClient(UpstreamSettings settings, EventLoopGroup group, Clock clock, boolean offline, UpstreamObserver observer) {
        this.offline = offline;
        this.observer = Objects.requireNonNull(observer, "observer");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.upstream = Origin.of(settings.url());
        String base = settings.url().getScheme() + "://" + settings.url().getRawAuthority()
                + (settings.url().getRawPath() == null ? "" : settings.url().getRawPath());
        this.upstreamBase = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.pools = new ConnectionPools(Objects.requireNonNull(group, "group"), UpstreamTls.sslContext(settings.tls()), settings.connectTimeout());
        this.tokens = new TokenCache(clock);
    }

    public UpstreamSettings settings() {
        return settings;
    }

    /** True when this client never contacts its upstream (Longshore runs {@code --offline}). */
    public boolean offline() {
        return offline;
    }

    /**
     * Sends a request and aggregates the body (manifests, tag lists, tokens): fails with
     * {@link UpstreamBodyTooLargeException} past {@code maxBodyBytes}. Completes with any status (the caller maps
     * 404 and the like); fails only for transport problems ({@link UpstreamException}: connect refused, DNS,
     * timeout, TLS, reset).
     */
    public CompletableFuture<UpstreamResponse> fetch(UpstreamRequest request, int maxBodyBytes) {
        CompletableFuture<UpstreamResponse> result = new CompletableFuture<>();
        new Call(request.method(), request.headers(), request.scope(), upstream, true,
                head -> AggregatingSink.forHead(head, request.method().equals(HttpMethod.HEAD), maxBodyBytes, result))
                .start(upstreamUri(request))
                .whenComplete((head, error) -> {
                    if (error != null) {
                        result.completeExceptionally(unwrap(error));
                    }
                });
        return result;
    }

    /**
     * Streams a body (blobs) with backpressure: completes with the head when headers arrive. The function is
     * called with every final head; for 200 and 206 the body flows to the sink it returns, for any other status
     * its result is ignored and the client reads and drops the body. The next chunk is read from the socket only
     * after the stage returned by {@link BodySink#onData} completes.
     */
    public CompletableFuture<UpstreamResponseHead> stream(UpstreamRequest request,
                                                          Function<UpstreamResponseHead, BodySink> sinkForHead) {
        Function<UpstreamResponseHead, BodySink> onlySuccess = head -> {
            BodySink sink = sinkForHead.apply(head);
            return head.status() == 200 || head.status() == 206 ? sink : null;
        };
        return new Call(request.method(), request.headers(), request.scope(), upstream, true, onlySuccess)
                .start(upstreamUri(request));
    }

    /** Closes every connection; in-flight requests fail. The event loop group is the caller's and stays up. */
    @Override
    public void close() {
        pools.close();
    }

    /** The most body bytes ever queued in the client between socket reads and sink acknowledgements, for tests. */
    long maxQueuedBodyBytes() {
        return queuedHighWater.get();
    }

    ConnectionPools pools() {
        return pools;
    }

    private URI upstreamUri(UpstreamRequest request) {
        return URI.create(upstreamBase + request.pathAndQuery());
    }

    /**
     * One logical request: its attempts across redirects and one authentication retry. {@code home} is the
     * origin that may see Authorization: the upstream, or the token service for token requests.
     */
    private final class Call {
        private final HttpHeaders headers;
        private final String scope;
        private final Origin home;
        private final boolean authenticate;
        private final Function<UpstreamResponseHead, BodySink> finalSink;
        private final CompletableFuture<UpstreamResponseHead> result = new CompletableFuture<>();
        private HttpMethod method;
        private int redirects;
        private boolean authRetried;

        Call(HttpMethod method, HttpHeaders headers, String scope, Origin home, boolean authenticate,
             Function<UpstreamResponseHead, BodySink> finalSink) {
            this.method = method;
            this.headers = headers;
            this.scope = scope;
            this.home = home;
            this.authenticate = authenticate;
            this.finalSink = finalSink;
        }

        CompletableFuture<UpstreamResponseHead> start(URI target) {
            Origin origin;
            try {
                origin = Origin.of(target);
            } catch (IllegalArgumentException e) {
                result.completeExceptionally(new UpstreamException(e.getMessage()));
                return result;
            }
            if (authenticate && origin.equals(home)) {
                upFrontAuthorization().whenComplete((auth, error) -> send(target, origin, auth));
            } else {
                send(target, origin, null);
            }
            return result;
        }

        /** Credentials we already know the upstream wants: Basic, or a cached (or quickly fetched) token. */
        private CompletableFuture<Authorization> upFrontAuthorization() {
            if (basicRequested && settings.credentials().isPresent()) {
                return CompletableFuture.completedFuture(basic(settings.credentials().get()));
            }
            TokenService known = tokenService;
            if (known == null || scope == null) {
                return CompletableFuture.completedFuture(null);
            }
            TokenKey key = new TokenKey(known.realm(), known.service(), List.of(scope));
            return tokens.tokenFor(key, () -> requestToken(key)).handle((token, error) -> {
                if (error != null) {
                    log.warn("token for {} from {} failed, sending without: {}", scope, known.realm(), unwrap(error).toString());
                    return null;
                }
                return bearer(key, token);
            });
        }

        private void send(URI target, Origin origin, Authorization auth) {
            HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, pathAndQuery(target), new DefaultHttpHeaders());
            request.headers().add(headers);
            if (!origin.equals(home)) {
                request.headers().remove(HttpHeaderNames.AUTHORIZATION); // never hand credentials to a redirect target
            }
            request.headers().set(HttpHeaderNames.HOST, origin.hostHeader());
            request.headers().set(HttpHeaderNames.USER_AGENT, USER_AGENT);
            if (auth != null) {
                request.headers().set(HttpHeaderNames.AUTHORIZATION, auth.header());
            }
            Runnable[] next = new Runnable[1]; // what to do instead of completing, decided when the head arrives
            exchange(origin, request, head -> {
                if (head.status() == 401 && authenticate && !authRetried && origin.equals(home)) {
                    next[0] = authRetry(head, target, origin, auth);
                    if (next[0] != null) {
                        return new DiscardingSink();
                    }
                }
                if (head.status() == 401 && auth != null && auth.key() == null && settings.credentials().isPresent()
                        && origin.equals(home)) {
                    // Basic credentials sent and refused: the password is wrong, not the image missing.
                    CredentialsRefusedException refused = new CredentialsRefusedException("upstream " + settings.name()
                            + " refused the credentials of " + settings.credentials().get().username() + " (status 401)");
                    next[0] = () -> result.completeExceptionally(refused);
                    return new DiscardingSink();
                }
                if (isRedirect(head.status()) && redirects < MAX_REDIRECTS) {
                    URI location = location(target, head.headers().get(HttpHeaderNames.LOCATION));
                    if (location != null) {
                        next[0] = () -> {
                            redirects++;
                            if (head.status() == 303 && !method.equals(HttpMethod.HEAD)) {
                                method = HttpMethod.GET;
                            }
                            log.debug("following {} to {}", head.status(), location.getHost());
                            start(location);
                        };
                        return new DiscardingSink();
                    }
                }
                return finalSink.apply(head);
            }).whenComplete((head, error) -> {
                if (error != null) {
                    result.completeExceptionally(unwrap(error));
                } else if (next[0] != null) {
                    next[0].run();
                } else {
                    result.complete(head);
                }
            });
        }

        /** How to answer a 401, or null to hand it to the caller. */
        private Runnable authRetry(UpstreamResponseHead head, URI target, Origin origin, Authorization sent) {
            for (String header : head.headers().getAll(HttpHeaderNames.WWW_AUTHENTICATE)) {
                for (WwwAuthenticate.Challenge challenge : WwwAuthenticate.parse(header)) {
                    if (challenge.isScheme("Bearer") && challenge.realm().map(UpstreamClient::isHttpUrl).orElse(false)) {
                        String realm = challenge.realm().get();
                        String service = challenge.service().orElse("");
                        List<String> scopes = !challenge.scopes().isEmpty() ? challenge.scopes()
                                : scope != null ? List.of(scope) : List.of();
                        TokenKey key = new TokenKey(realm, service, scopes);
                        tokenService = new TokenService(realm, service);
                        if (sent != null && sent.key() != null) {
                            tokens.invalidate(sent.key(), sent.token()); // it was rejected: expired early or revoked
                        }
                        return () -> {
                            authRetried = true;
                            tokens.tokenFor(key, () -> requestToken(key)).whenComplete((token, error) -> {
                                if (unwrap(error) instanceof CredentialsRefusedException refused) {
                                    log.warn("upstream {}: {}", settings.name(), refused.getMessage());
                                    result.completeExceptionally(refused);
                                } else if (error != null) {
                                    // Ask again without a token so the caller gets the upstream's own 401 to map.
                                    log.warn("token for {} from {} failed: {}", scopes, realm, unwrap(error).toString());
                                    send(target, origin, null);
                                } else {
                                    send(target, origin, bearer(key, token));
                                }
                            });
                        };
                    }
                    if (challenge.isScheme("Basic") && settings.credentials().isPresent()) {
                        basicRequested = true;
                        Authorization basic = basic(settings.credentials().get());
                        return () -> {
                            authRetried = true;
                            send(target, origin, basic);
                        };
                    }
                }
            }
            return null;
        }
    }

    /** Acquires a connection and runs one exchange; a stale pooled connection gets one retry on a fresh one. */
    private CompletableFuture<UpstreamResponseHead> exchange(Origin origin, HttpRequest request,
                                                             Function<UpstreamResponseHead, BodySink> sinkForHead) {
        CompletableFuture<UpstreamResponseHead> result = new CompletableFuture<>();
        if (!offline) {
            long start = System.nanoTime();
            result.whenComplete((head, error) -> {
                if (error == null) {
                    observer.answered(settings.name(), head.status(), System.nanoTime() - start);
                } else {
                    observer.failed(settings.name(), unwrap(error), System.nanoTime() - start);
                }
            });
        }
        exchange(origin, request, sinkForHead, false, result);
        return result;
    }

    private void exchange(Origin origin, HttpRequest request, Function<UpstreamResponseHead, BodySink> sinkForHead,
                          boolean fresh, CompletableFuture<UpstreamResponseHead> result) {
        if (offline) {
            // The one gate for --offline: every request, token fetch and redirect acquires its connection here.
            result.completeExceptionally(OfflineRefusal.of(settings.name(), request.uri()));
            return;
        }
        pools.acquire(origin, fresh).whenComplete((connection, connectError) -> {
            if (connectError != null) {
                result.completeExceptionally(unwrap(connectError));
                return;
            }
            boolean reused = connection.exchangesStarted() > 0;
            Exchange exchange = new Exchange(connection, pools, request, sinkForHead, settings.readTimeout(), queuedHighWater);
            exchange.head().whenComplete((head, error) -> {
                if (error == null) {
                    result.complete(head);
                } else if (reused && !exchange.anyByteReceived() && idempotent(request.method())
                        && !(error instanceof UpstreamTimeoutException)) {
                    // A keep-alive connection the server closed while it sat in our pool: not the upstream's answer.
                    log.debug("retrying on a fresh connection to {} after: {}", origin, error.toString());
                    exchange(origin, request, sinkForHead, true, result);
                } else {
                    result.completeExceptionally(error);
                }
            });
            exchange.start();
        });
    }

    /** Asks the token service for a token (anonymously, or with Basic credentials when configured). */
    private CompletableFuture<BearerToken> requestToken(TokenKey key) {
        QueryStringEncoder params = new QueryStringEncoder("");
        if (!key.service().isEmpty()) {
            params.addParam("service", key.service());
        }
        for (String scope : key.scopes()) {
            params.addParam("scope", scope);
        }
        // A realm may carry a query of its own (a tenant, say): ours is appended to it, not started anew.
        String encoded = params.toString();
        String realm = key.realm();
        String url = encoded.isEmpty() ? realm
                : realm.indexOf('?') >= 0 ? realm + "&" + encoded.substring(1) : realm + encoded;
        URI uri;
        try {
            uri = new URI(url);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(new UpstreamException("bad token realm " + key.realm()));
        }
        HttpHeaders headers = new DefaultHttpHeaders().set(HttpHeaderNames.ACCEPT, "application/json");
        settings.credentials().ifPresent(c -> headers.set(HttpHeaderNames.AUTHORIZATION, basic(c).header()));
        CompletableFuture<UpstreamResponse> response = new CompletableFuture<>();
        Origin realmOrigin = Origin.of(uri);
        new Call(HttpMethod.GET, headers, null, realmOrigin, false,
                head -> AggregatingSink.forHead(head, false, MAX_TOKEN_RESPONSE_BYTES, response))
                .start(uri)
                .whenComplete((head, error) -> {
                    if (error != null) {
                        response.completeExceptionally(unwrap(error));
                    }
                });
        return response.thenApply(r -> {
            if ((r.status() == 401 || r.status() == 403) && settings.credentials().isPresent()) {
                throw new CompletionException(new CredentialsRefusedException("token service " + realmOrigin
                        + " refused the credentials of " + settings.credentials().get().username() + " (status " + r.status() + ")"));
            }
            if (r.status() != 200) {
                throw new CompletionException(new UpstreamException(
                        "token service " + realmOrigin + " answered " + r.status() + " for " + key.scopes()));
            }
            try {
                return BearerToken.parse(r.body(), clock.instant());
            } catch (UpstreamException e) {
                throw new CompletionException(e);
            }
        });
    }

    private static Authorization basic(Credentials credentials) {
        String pair = credentials.username() + ":" + credentials.password();
        return new Authorization("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)), null, null);
    }

    private static Authorization bearer(TokenKey key, BearerToken token) {
        return new Authorization("Bearer " + token.token(), key, token);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean idempotent(HttpMethod method) {
        return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return uri.getHost() != null && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
        } catch (Exception e) {
            return false;
        }
    }

    /** An absolute or relative Location resolved against the request URL; null when unusable. */
    private static URI location(URI base, String location) {
        if (location == null || location.isBlank()) {
            return null;
        }
        try {
            URI resolved = base.resolve(new URI(location.trim()));
            return isHttpUrl(resolved.toString()) ? resolved : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String pathAndQuery(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    private static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }
}
