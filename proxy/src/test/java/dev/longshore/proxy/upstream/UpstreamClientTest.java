package dev.longshore.proxy.upstream;

import dev.longshore.proxy.testing.LeakWatcher;
import dev.longshore.proxy.testing.MutableClock;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.config.UpstreamSettings.Credentials;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(LeakWatcher.class)
class UpstreamClientTest {

    private static final String MANIFEST = "/v2/library/alpine/manifests/3";
    private static final String SCOPE = "repository:library/alpine:pull";
    private static final Credentials CREDENTIALS = new Credentials("mirror", "s3cret");

    private static EventLoopGroup group;

    private final MockWebServer server = new MockWebServer();
    private final List<MockWebServer> otherServers = new ArrayList<>();
    private final List<UpstreamClient> clients = new ArrayList<>();

    @BeforeAll
    static void startEventLoops() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopEventLoops() {
        group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void startServer() throws Exception {
        server.start();
    }

    @AfterEach
    void stopAll() {
        clients.forEach(UpstreamClient::close);
        server.close();
        otherServers.forEach(MockWebServer::close);
    }

    private UpstreamClient client(Optional<Credentials> credentials, Duration readTimeout, Clock clock) {
        return client(server.url("/").uri(), credentials, readTimeout, clock);
    }

    private UpstreamClient client(URI url, Optional<Credentials> credentials, Duration readTimeout, Clock clock) {
        UpstreamSettings settings = new UpstreamSettings("registry.test", url, credentials, Duration.ofSeconds(2), readTimeout);
        UpstreamClient client = new UpstreamClient(settings, group, clock);
        clients.add(client);
        return client;
    }

    private UpstreamClient client() {
        return client(Optional.empty(), Duration.ofSeconds(5), Clock.systemUTC());
    }

    private static UpstreamRequest manifestRequest() {
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.set("Accept", "application/vnd.oci.image.index.v1+json");
        return new UpstreamRequest(HttpMethod.GET, MANIFEST, headers, SCOPE);
    }

    private static MockResponse ok(String body) {
        return new MockResponse.Builder().addHeader("Content-Type", "application/json").body(body).build();
    }

    private MockWebServer otherServer() throws Exception {
        MockWebServer other = new MockWebServer();
        other.start();
        otherServers.add(other);
        return other;
    }

    @Test
    void fetchesASmallBodyAndSendsItsHeaders() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .addHeader("Docker-Content-Digest", "sha256:abc")
                .body("{\"schemaVersion\":2}")
                .build());

        UpstreamResponse response = client().fetch(manifestRequest(), 4096).get(5, SECONDS);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyAsString()).isEqualTo("{\"schemaVersion\":2}");
        assertThat(response.headers().get("Docker-Content-Digest")).isEqualTo("sha256:abc");
        RecordedRequest recorded = server.takeRequest(5, SECONDS);
        assertThat(recorded.getTarget()).isEqualTo(MANIFEST);
        assertThat(recorded.getHeaders().get("Host")).isEqualTo(server.getHostName() + ":" + server.getPort());
        assertThat(recorded.getHeaders().get("User-Agent")).isEqualTo("longshore/0.1");
        assertThat(recorded.getHeaders().get("Accept")).isEqualTo("application/vnd.oci.image.index.v1+json");
        assertThat(recorded.getHeaders().get("Authorization")).isNull();
    }

    @Test
    void errorStatusesAreResponsesNotFailures() throws Exception {
        server.enqueue(new MockResponse.Builder().code(404).body("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}").build());

        UpstreamResponse response = client().fetch(manifestRequest(), 4096).get(5, SECONDS);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.bodyAsString()).contains("MANIFEST_UNKNOWN");
    }

    @Test
    void fetchFailsPastTheBodyLimitWithOrWithoutContentLength() throws Exception {
        String big = "x".repeat(10_000);
        server.enqueue(ok(big));
        server.enqueue(new MockResponse.Builder().chunkedBody(big, 1000).build());
        UpstreamClient client = client();

        assertThatThrownBy(() -> client.fetch(manifestRequest(), 1000).get(5, SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UpstreamBodyTooLargeException.class);
        assertThatThrownBy(() -> client.fetch(manifestRequest(), 1000).get(5, SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UpstreamBodyTooLargeException.class);
    }

    @Test
    void reusesThePooledConnectionForSequentialFetches() throws Exception {
        server.enqueue(ok("one"));
        server.enqueue(ok("two"));
        UpstreamClient client = client();

        assertThat(client.fetch(manifestRequest(), 100).get(5, SECONDS).bodyAsString()).isEqualTo("one");
        assertThat(client.fetch(manifestRequest(), 100).get(5, SECONDS).bodyAsString()).isEqualTo("two");

        RecordedRequest first = server.takeRequest(5, SECONDS);
        RecordedRequest second = server.takeRequest(5, SECONDS);
        assertThat(second.getConnectionIndex()).isEqualTo(first.getConnectionIndex());
        assertThat(second.getExchangeIndex()).isEqualTo(first.getExchangeIndex() + 1);
    }

    @Test
    void retriesOnAFreshConnectionWhenThePooledOneWasClosed() throws Exception {
        // A server that answers once on its first connection, then drops that connection when the next request
        // arrives on it (a keep-alive timeout racing our reuse), and answers normally on a new connection.
        try (ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket first = listener.accept()) {
                    readRequestHead(first);
                    respond(first, "one");
                    readRequestHead(first);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                try (Socket second = listener.accept()) {
                    readRequestHead(second);
                    respond(second, "two");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            UpstreamClient client = client(URI.create("http://127.0.0.1:" + listener.getLocalPort()), Optional.empty(),
                    Duration.ofSeconds(5), Clock.systemUTC());

            assertThat(client.fetch(manifestRequest(), 100).get(5, SECONDS).bodyAsString()).isEqualTo("one");
            assertThat(client.fetch(manifestRequest(), 100).get(5, SECONDS).bodyAsString()).isEqualTo("two");
            served.get(5, SECONDS);
        }
    }

    private static void readRequestHead(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("client closed");
            }
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private static void respond(Socket socket, String body) throws IOException {
        socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    @Test
    void streamsALargeBodyToASlowSinkWithoutReadingAhead() throws Exception {
        byte[] blob = new byte[6 * 1024 * 1024];
        new Random(42).nextBytes(blob);
        server.enqueue(new MockResponse.Builder().body(new Buffer().write(blob)).build());
        UpstreamClient client = client();
        // Every acknowledgement arrives a millisecond late, on another thread: a slow disk.
        RecordingSink sink = new RecordingSink(CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS));

        UpstreamResponseHead head = client.stream(UpstreamRequest.get("/v2/library/alpine/blobs/sha256:abc", SCOPE), h -> sink)
                .get(5, SECONDS);

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.headers().get("Content-Length")).isEqualTo(String.valueOf(blob.length));
        assertThat(sink.completed.get(30, SECONDS)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(blob));
        assertThat(sink.bytes.get()).isEqualTo(blob.length);
        assertThat(sink.maxUnacknowledgedChunks.get()).isEqualTo(1);
        assertThat(sink.maxUnacknowledgedBytes.get()).isLessThanOrEqualTo(64 * 1024);
        // What the client holds between socket reads and acknowledgements stays within about one socket read.
        assertThat(client.maxQueuedBodyBytes()).isLessThanOrEqualTo(256 * 1024);
        assertThat(sink.failed).isNotDone();
    }

    @Test
    void streamHandsErrorStatusesToTheFunctionAndDiscardsTheirBody() throws Exception {
        server.enqueue(new MockResponse.Builder().code(404).body("{\"errors\":[]}").build());
        server.enqueue(ok("after"));
        UpstreamClient client = client();
        RecordingSink unused = new RecordingSink(Runnable::run);
        AtomicReference<UpstreamResponseHead> seen = new AtomicReference<>();

        UpstreamResponseHead head = client.stream(UpstreamRequest.get("/v2/a/blobs/sha256:0", SCOPE), h -> {
            seen.set(h);
            return unused;
        }).get(5, SECONDS);

        assertThat(head.status()).isEqualTo(404);
        assertThat(seen.get()).isSameAs(head);
        // The discarded body is read to its end, so the connection goes back to the pool and is reused.
        await().atMost(Duration.ofSeconds(5)).until(() -> client.pools().idleCount() == 1);
        assertThat(client.fetch(manifestRequest(), 100).get(5, SECONDS).bodyAsString()).isEqualTo("after");
        assertThat(unused.chunks.get()).isZero();
        assertThat(server.takeRequest(5, SECONDS).getConnectionIndex())
                .isEqualTo(server.takeRequest(5, SECONDS).getConnectionIndex());
    }

    @Test
    void followsTheTokenFlowAndReusesTheCachedToken() throws Exception {
        FakeRegistry registry = new FakeRegistry(server, 300, r -> ok("manifest"));
        server.setDispatcher(registry);
        UpstreamClient client = client(Optional.of(CREDENTIALS), Duration.ofSeconds(5), Clock.systemUTC());

        UpstreamResponse first = client.fetch(manifestRequest(), 4096).get(5, SECONDS);
        UpstreamResponse second = client.fetch(manifestRequest(), 4096).get(5, SECONDS);

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.bodyAsString()).isEqualTo("manifest");
        assertThat(second.status()).isEqualTo(200);
        assertThat(registry.tokenRequests).singleElement().satisfies(token -> {
            assertThat(token.getUrl().queryParameter("service")).isEqualTo("fake-registry");
            assertThat(token.getUrl().queryParameterValues("scope")).containsExactly(SCOPE);
            assertThat(token.getHeaders().get("Authorization"))
                    .isEqualTo("Basic " + Base64.getEncoder().encodeToString("mirror:s3cret".getBytes(StandardCharsets.UTF_8)));
        });
        assertThat(registry.registryRequests).extracting(r -> r.getHeaders().get("Authorization"))
                .containsExactly(null, "Bearer token-1", "Bearer token-1"); // the second request sends it up front
    }

    @Test
    void keepsTheRealmsOwnQueryWhenAskingForAToken() throws Exception {
        FakeRegistry registry = new FakeRegistry(server, 300, r -> ok("manifest"), "/token?tenant=blue");
        server.setDispatcher(registry);

        assertThat(client().fetch(manifestRequest(), 4096).get(5, SECONDS).status()).isEqualTo(200);

        assertThat(registry.tokenRequests).singleElement().satisfies(token -> {
            assertThat(token.getUrl().queryParameter("tenant")).isEqualTo("blue");
            assertThat(token.getUrl().queryParameter("service")).isEqualTo("fake-registry");
            assertThat(token.getUrl().queryParameterValues("scope")).containsExactly(SCOPE);
        });
    }

    @Test
    void asksForTokensAnonymouslyWithoutCredentials() throws Exception {
        FakeRegistry registry = new FakeRegistry(server, 300, r -> ok("manifest"));
        server.setDispatcher(registry);

        assertThat(client().fetch(manifestRequest(), 4096).get(5, SECONDS).status()).isEqualTo(200);

        assertThat(registry.tokenRequests).singleElement()
                .satisfies(token -> assertThat(token.getHeaders().get("Authorization")).isNull());
    }

    @Test
    void concurrentChallengesShareOneTokenRequest() throws Exception {
        FakeRegistry registry = new FakeRegistry(server, 300, r -> ok("manifest"));
        server.setDispatcher(registry);
        UpstreamClient client = client();

        List<CompletableFuture<UpstreamResponse>> responses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            responses.add(client.fetch(manifestRequest(), 4096));
        }
        for (CompletableFuture<UpstreamResponse> response : responses) {
            assertThat(response.get(5, SECONDS).status()).isEqualTo(200);
        }
        assertThat(registry.tokensIssued).hasValue(1);
    }

    @Test
    void fetchesANewTokenWhenTheCachedOneExpires() throws Exception {
        FakeRegistry registry = new FakeRegistry(server, 300, r -> ok("manifest"));
        server.setDispatcher(registry);
        MutableClock clock = new MutableClock(Instant.now());
        UpstreamClient client = client(Optional.empty(), Duration.ofSeconds(5), clock);

        assertThat(client.fetch(manifestRequest(), 4096).get(5, SECONDS).status()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(295)); // inside the refresh margin before the 300 s expiry
        assertThat(client.fetch(manifestRequest(), 4096).get(5, SECONDS).status()).isEqualTo(200);

        assertThat(registry.tokensIssued).hasValue(2);
        assertThat(registry.registryRequests).extracting(r -> r.getHeaders().get("Authorization"))
                .containsExactly(null, "Bearer token-1", "Bearer token-2");
    }

    @Test
    void returnsTheUpstreams401WhenTheTokenServiceFails() throws Exception {
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getTarget().startsWith("/token")) {
                    return new MockResponse.Builder().code(403).body("denied").build();
                }
                return new MockResponse.Builder().code(401)
                        .addHeader("WWW-Authenticate", "Bearer realm=\"" + server.url("/token") + "\",service=\"s\"")
                        .body("{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}").build();
            }
        });

        UpstreamResponse response = client().fetch(manifestRequest(), 4096).get(5, SECONDS);

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.bodyAsString()).contains("UNAUTHORIZED");
    }

    @Test
    void credentialsTheTokenServiceRefuses_failTheCallSayingSo_ratherThanLookLikeAMissingImage() throws Exception {
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getTarget().startsWith("/token")) {
                    return new MockResponse.Builder().code(401).body("bad password").build();
                }
                return new MockResponse.Builder().code(401)
                        .addHeader("WWW-Authenticate", "Bearer realm=\"" + server.url("/token") + "\",service=\"s\"").build();
            }
        });
        UpstreamClient client = client(Optional.of(CREDENTIALS), Duration.ofSeconds(5), Clock.systemUTC());

        assertThatThrownBy(() -> client.fetch(manifestRequest(), 4096).get(5, SECONDS))
                .hasCauseInstanceOf(CredentialsRefusedException.class)
                .hasMessageContaining("refused the credentials of mirror");
    }

    @Test
    void basicCredentialsTheUpstreamRefuses_failTheCallSayingSo() throws Exception {
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"registry\"").build();
            }
        });
        UpstreamClient client = client(Optional.of(CREDENTIALS), Duration.ofSeconds(5), Clock.systemUTC());

        assertThatThrownBy(() -> client.fetch(manifestRequest(), 4096).get(5, SECONDS))
                .hasCauseInstanceOf(CredentialsRefusedException.class)
                .hasMessageContaining("refused the credentials of mirror");
    }

    @Test
    void answersABasicChallengeWithCredentials() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString("mirror:s3cret".getBytes(StandardCharsets.UTF_8));
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (basic.equals(request.getHeaders().get("Authorization"))) {
                    return ok("manifest");
                }
                return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"registry\"").build();
            }
        });
        UpstreamClient client = client(Optional.of(CREDENTIALS), Duration.ofSeconds(5), Clock.systemUTC());

        assertThat(client.fetch(manifestRequest(), 4096).get(5, SECONDS).status()).isEqualTo(200);
        assertThat(client.fetch(manifestRequest(), 4096).get(5, SECONDS).status()).isEqualTo(200);

        assertThat(server.getRequestCount()).isEqualTo(3); // the second fetch sent Basic up front
    }

    @Test
    void redirectToAnotherHostDropsAuthorization() throws Exception {
        MockWebServer storage = otherServer();
        storage.enqueue(new MockResponse.Builder().body("blob bytes").build());
        FakeRegistry registry = new FakeRegistry(server, 300, r -> new MockResponse.Builder()
                .code(307).addHeader("Location", storage.url("/blobs/abc?X-Amz-Signature=secret")).build());
        server.setDispatcher(registry);
        UpstreamClient client = client();
        RecordingSink sink = new RecordingSink(Runnable::run);

        UpstreamResponseHead head = client.stream(UpstreamRequest.get("/v2/library/alpine/blobs/sha256:abc", SCOPE), h -> sink)
                .get(5, SECONDS);

        assertThat(head.status()).isEqualTo(200);
        assertThat(sink.completed.get(5, SECONDS)).isEqualTo(
                MessageDigest.getInstance("SHA-256").digest("blob bytes".getBytes(StandardCharsets.UTF_8)));
        assertThat(registry.registryRequests.getLast().getHeaders().get("Authorization")).isEqualTo("Bearer token-1");
        RecordedRequest atStorage = storage.takeRequest(5, SECONDS);
        assertThat(atStorage.getTarget()).isEqualTo("/blobs/abc?X-Amz-Signature=secret");
        assertThat(atStorage.getHeaders().get("Authorization")).isNull();
        assertThat(atStorage.getHeaders().get("Host")).isEqualTo(storage.getHostName() + ":" + storage.getPort());
    }

    @Test
    void relativeRedirectOnTheSameHostKeepsAuthorization() throws Exception {
        FakeRegistry registry = new FakeRegistry(server, 300, r -> r.getTarget().equals(MANIFEST)
                ? new MockResponse.Builder().code(302).addHeader("Location", "/v2/library/alpine/manifests/sha256:def").build()
                : ok("moved manifest"));
        server.setDispatcher(registry);

        UpstreamResponse response = client().fetch(manifestRequest(), 4096).get(5, SECONDS);

        assertThat(response.bodyAsString()).isEqualTo("moved manifest");
        assertThat(registry.registryRequests.getLast().getTarget()).isEqualTo("/v2/library/alpine/manifests/sha256:def");
        assertThat(registry.registryRequests.getLast().getHeaders().get("Authorization")).isEqualTo("Bearer token-1");
    }

    @Test
    void stopsFollowingAfterFiveRedirects() throws Exception {
        for (int i = 0; i < 7; i++) {
            server.enqueue(new MockResponse.Builder().code(302).addHeader("Location", "/loop/" + i).build());
        }

        UpstreamResponse response = client().fetch(manifestRequest(), 4096).get(5, SECONDS);

        assertThat(response.status()).isEqualTo(302);
        assertThat(server.getRequestCount()).isEqualTo(6);
    }

    @Test
    void readTimeoutOnAStalledBodyReachesTheSink() throws Exception {
        byte[] blob = new byte[1024 * 1024];
        server.enqueue(new MockResponse.Builder()
                .body(new Buffer().write(blob))
                .onResponseBody(SocketEffect.Stall.INSTANCE)
                .build());
        UpstreamClient client = client(Optional.empty(), Duration.ofMillis(300), Clock.systemUTC());
        RecordingSink sink = new RecordingSink(Runnable::run);

        UpstreamResponseHead head = client.stream(UpstreamRequest.get("/v2/a/blobs/sha256:0", SCOPE), h -> sink).get(5, SECONDS);

        assertThat(head.status()).isEqualTo(200);
        assertThat(sink.failed.get(5, SECONDS)).isInstanceOf(UpstreamTimeoutException.class);
        assertThat(sink.completed).isNotDone();
        assertThat(sink.bytes.get()).isLessThan(blob.length);
    }

    @Test
    void prematureCloseOfTheBodyReachesTheSink() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .body(new Buffer().write(new byte[1024 * 1024]))
                .onResponseBody(new SocketEffect.CloseSocket())
                .build());
        RecordingSink sink = new RecordingSink(Runnable::run);

        UpstreamResponseHead head = client().stream(UpstreamRequest.get("/v2/a/blobs/sha256:0", SCOPE), h -> sink).get(5, SECONDS);

        assertThat(head.status()).isEqualTo(200);
        assertThat(sink.failed.get(5, SECONDS)).isInstanceOf(UpstreamException.class);
        assertThat(sink.completed).isNotDone();
    }

    @Test
    void headRequestsCompleteWithoutABody() throws Exception {
        server.enqueue(new MockResponse.Builder()
                .addHeader("Docker-Content-Digest", "sha256:abc")
                .setHeader("Content-Length", "1234")
                .build());
        server.enqueue(ok("after"));
        UpstreamClient client = client();

        UpstreamResponse response = client.fetch(new UpstreamRequest(HttpMethod.HEAD, MANIFEST, null, SCOPE), 100).get(5, SECONDS);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().get("Content-Length")).isEqualTo("1234");
        assertThat(server.takeRequest(5, SECONDS).getMethod()).isEqualTo("HEAD");
        assertThat(client.fetch(manifestRequest(), 100).get(5, SECONDS).bodyAsString()).isEqualTo("after");
    }

    @Test
    void readTimeoutWhileAwaitingTheHeadFailsTheFuture() {
        server.enqueue(new MockResponse.Builder().onRequestStart(SocketEffect.Stall.INSTANCE).build());
        UpstreamClient client = client(Optional.empty(), Duration.ofMillis(300), Clock.systemUTC());

        assertThatThrownBy(() -> client.fetch(manifestRequest(), 100).get(5, SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(UpstreamTimeoutException.class).hasMessageContaining("no response head");
    }

    @Test
    void connectionRefusedFailsTheFuture() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        UpstreamClient client = client(URI.create("http://127.0.0.1:" + closedPort), Optional.empty(),
                Duration.ofSeconds(5), Clock.systemUTC());

        assertThatThrownBy(() -> client.fetch(manifestRequest(), 100).get(5, SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(UpstreamException.class).hasMessageContaining("cannot connect");
    }

    @Test
    void closeClosesPooledConnections() throws Exception {
        server.enqueue(ok("one"));
        UpstreamClient client = client();
        client.fetch(manifestRequest(), 100).get(5, SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> client.pools().idleCount() == 1);

        client.close();

        assertThat(client.pools().idleCount()).isZero();
        assertThatThrownBy(() -> client.fetch(manifestRequest(), 100).get(5, SECONDS)).hasCauseInstanceOf(UpstreamException.class);
    }
}
