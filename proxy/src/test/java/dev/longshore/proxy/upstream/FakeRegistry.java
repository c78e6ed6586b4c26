package dev.longshore.proxy.upstream;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A registry that wants bearer tokens, with its token service on the same server at /token: enough of the
 * distribution token flow to test the client against. Valid tokens are the ones it handed out.
 */
final class FakeRegistry extends Dispatcher {

    final AtomicInteger tokensIssued = new AtomicInteger();
    final List<RecordedRequest> tokenRequests = new CopyOnWriteArrayList<>();
    final List<RecordedRequest> registryRequests = new CopyOnWriteArrayList<>();
    private final MockWebServer server;
    private final int expiresIn;
    private final Function<RecordedRequest, MockResponse> authorized;
    private final String realmPath;

    FakeRegistry(MockWebServer server, int expiresIn, Function<RecordedRequest, MockResponse> authorized) {
        this(server, expiresIn, authorized, "/token");
    }

    /** With a realm of its own, such as {@code /token?tenant=a} (a realm may carry a query). */
    FakeRegistry(MockWebServer server, int expiresIn, Function<RecordedRequest, MockResponse> authorized, String realmPath) {
        this.server = server;
        this.expiresIn = expiresIn;
        this.authorized = authorized;
        this.realmPath = realmPath;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        if (request.getTarget().startsWith("/token")) {
            tokenRequests.add(request);
            int n = tokensIssued.incrementAndGet();
            return new MockResponse.Builder()
                    .addHeader("Content-Type", "application/json")
                    .body("{\"token\":\"token-" + n + "\",\"expires_in\":" + expiresIn + "}")
                    .build();
        }
        registryRequests.add(request);
        String auth = request.getHeaders().get("Authorization");
        if (auth == null || !auth.matches("Bearer token-[0-9]+")
                || Integer.parseInt(auth.substring("Bearer token-".length())) > tokensIssued.get()) {
            return new MockResponse.Builder()
                    .code(401)
                    .addHeader("WWW-Authenticate", "Bearer realm=\"" + server.url(realmPath) + "\",service=\"fake-registry\","
                            + "scope=\"repository:library/alpine:pull\"")
                    .addHeader("Content-Type", "application/json")
                    .body("{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}")
                    .build();
        }
        return authorized.apply(request);
    }
}
