package dev.longshore.proxy.it;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Longshore in front of the reference registry running {@code auth: token}, with a token issuer of the test's own
 * ({@link TokenIssuer}): the registry verifies the issuer's RS256 JWTs against its root certificate bundle, as
 * Docker Hub's, GitLab's or Harbor's registries do. Longshore holds the upstream's credentials in its YAML settings
 * file ({@code password}, or {@code tokenFile}) and trades them for tokens; clients send none.
 *
 * <p>The realm is {@code http://127.0.0.1:<port>/token/a,b}: the registry's challenge then carries a comma inside
 * a quoted value, which a naive split on commas would cut.
 *
 * <p>Not covered here: {@code Authorization} never following a redirect to another host. The reference registry
 * redirects blob reads only with an S3-like storage driver ({@code storage.redirect}), which these machines lack;
 * UpstreamClientTest covers it with scripted servers.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TokenRegistryThroughLongshoreTest {

    private static final String UPSTREAM_NAME = "private.test.local";
    private static final String PULLER = "longshore-puller";
    private static final String SEEDER = "seeder";
    private static final String PULLER_PASSWORD = "pw-" + randomHex();
    private static final String SEEDER_PASSWORD = "pw-" + randomHex();
    private static final String WRONG_PASSWORD = "wrong-" + randomHex();
    private static final String BOT = "ci-bot";
    /** An access token kept in a file ({@code tokenFile}), as a CI secret or a Kubernetes secret mount would hold it. */
    private static final String BOT_TOKEN = "pat-" + randomHex();
    private static final String REALM_PATH = "/token/a,b";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path work;

    private static CapturedLogs logs;
    private static TokenIssuer issuer;
    private static UpstreamRegistry registry;
    private static LongshoreUnderTest longshore;
    /** Every response a client of Longshore received in this class: status line, headers and body, as text. */
    private static final List<String> seenByClients = new CopyOnWriteArrayList<>();

    /** An image in the token registry and its digests, read back from the registry itself. */
    record Image(String repository, String manifestDigest, byte[] manifest, String configDigest, String layerDigest) {
        String pullScope() {
            return "repository:" + repository + ":pull";
        }
    }

    private static Image imageA;
    private static Image imageB;
    private static Image imageC;
    private static Image imageD;

    @BeforeAll
    static void startIssuerRegistryAndLongshore() throws Exception {
        assumeFalse(LongshoreUnderTest.DIRECT, "routes through Longshore's own credentials; no direct mode");
        assumeTrue(Processes.onPath("skopeo"), "skopeo is not installed (scripts/docker-up installs it)");
        // Everything Longshore logs, at DEBUG, from before it starts: the leak check reads it at the end.
        logs = CapturedLogs.capture(Level.DEBUG, "dev.longshore", "longshore.access");
        issuer = TokenIssuer.start(work, REALM_PATH, Map.of(PULLER, PULLER_PASSWORD, SEEDER, SEEDER_PASSWORD, BOT, BOT_TOKEN));
        registry = UpstreamRegistry.start(Map.of(
                        "REGISTRY_AUTH", "token",
                        "REGISTRY_AUTH_TOKEN_REALM", issuer.realm(),
                        "REGISTRY_AUTH_TOKEN_SERVICE", TokenIssuer.SERVICE,
                        "REGISTRY_AUTH_TOKEN_ISSUER", TokenIssuer.ISSUER,
                        "REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE", "/certs/root.pem"),
                Map.of(issuer.rootCertificatePem(), "/certs/root.pem"));

        // Distinct content per repository: Longshore shares blobs by digest, and each test must make upstream reads.
        TestImages images = new TestImages(DockerCli.machine(), registry, work);
        imageA = seed(images, "longshore-it/private-a");
        imageB = seed(images, "longshore-it/private-b");
        imageC = seed(images, "longshore-it/private-c");
        imageD = seed(images, "longshore-it/private-d");

        longshore = LongshoreUnderTest.startWithConfig(config(PULLER_PASSWORD), work.resolve("longshore-data"));
    }

    @AfterAll
    static void stopAll() {
        try {
            if (longshore != null) {
                longshore.close();
            }
        } finally {
            try {
                if (registry != null) {
                    registry.close();
                }
            } finally {
                if (issuer != null) {
                    issuer.close();
                }
                if (logs != null) {
                    logs.close();
                }
            }
        }
    }

    @AfterEach
    void normalTokens() {
        if (issuer != null) {
            issuer.reset();
        }
    }

    @Test
    void registryChallenge_hasAQuotedCommaInItsRealm_andPushesAskForSeveralActions() {
        HttpResponse<String> challenge = send(HttpRequest.newBuilder(registry.url().resolve("/v2/" + imageA.repository() + "/manifests/1")).GET(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(challenge.statusCode()).isEqualTo(401);
        assertThat(challenge.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("realm=\"" + issuer.realm() + "\"")
                .contains("scope=\"" + imageA.pullScope() + "\"");
        // skopeo's pushes in the set-up met the registry's multi-action challenge and asked for it whole
        assertThat(issuer.requestsFor("repository:" + imageA.repository() + ":pull,push"))
                .as("the seeding push's token requests").isNotEmpty()
                .allSatisfy(r -> assertThat(r.user()).isEqualTo(SEEDER));
    }

    @Test
    void pull_withConfiguredCredentials_servesTheUpstreamBytes_andAsksTheWholeRealmForThePullScope() throws IOException {
        assertPullsThroughLongshore(imageA);

        List<TokenIssuer.TokenRequest> asked = issuer.requestsFor(imageA.pullScope());
        assertThat(asked).as("token requests for %s", imageA.pullScope()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.user()).as("Longshore sends its configured user").isEqualTo(PULLER);
            assertThat(r.path()).as("the realm, comma and all").isEqualTo(REALM_PATH);
            assertThat(r.param("service")).containsExactly(TokenIssuer.SERVICE);
            assertThat(r.token()).isNotNull();
        });

        // a real client through Longshore, which itself sends no credentials
        Path copy = work.resolve("skopeo-copy-a");
        TestImages.skopeo("copy", "--src-tls-verify=false", "--src-no-creds",
                "docker://" + longshore.hostPort() + "/" + imageA.repository() + ":1", "dir:" + copy);
        assertThat(TestImages.sha256(copy.resolve("manifest.json"))).isEqualTo(imageA.manifestDigest());
        assertThat(TestImages.sha256(copy.resolve(imageA.layerDigest().substring("sha256:".length()))))
                .isEqualTo(imageA.layerDigest());
    }

    @Test
    void tokenExpiringMidPull_isRenewedBeforeTheBlobs() throws IOException {
        issuer.lifetime(Duration.ofSeconds(2));
        Response manifest = get("/v2/" + imageC.repository() + "/manifests/1");
        assertThat(manifest.status()).isEqualTo(200);
        assertThat(manifest.body()).isEqualTo(imageC.manifest());
        List<TokenIssuer.TokenRequest> first = issuer.requestsFor(imageC.pullScope());
        assertThat(first).hasSize(1);
        Instant expiry = first.get(0).expiresAt();

        // the client takes its time between manifest and blobs, past the token's expiry
        await("the first token's expiry").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> Instant.now().isAfter(expiry));
        assertBlob(imageC, imageC.configDigest());
        assertBlob(imageC, imageC.layerDigest());

        assertThat(issuer.requestsFor(imageC.pullScope())).as("token requests for %s", imageC.pullScope())
                .hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void tokenTheRegistryRefuses_isDroppedAndReplaced_andThePullCompletes() throws IOException {
        issuer.lifetime(Duration.ofSeconds(2));
        assertThat(get("/v2/" + imageB.repository() + "/manifests/1").status()).isEqualTo(200);
        Instant expiry = issuer.requestsFor(imageB.pullScope()).get(0).expiresAt();
        await("the first token's expiry").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> Instant.now().isAfter(expiry));

        // the next token promises five minutes, but the registry refuses it (revoked, or expired early)
        issuer.rejectNext(1);
        assertBlob(imageB, imageB.configDigest());
        assertBlob(imageB, imageB.layerDigest());

        List<TokenIssuer.TokenRequest> asked = issuer.requestsFor(imageB.pullScope());
        assertThat(asked).as("first token, the refused one, its replacement").hasSizeGreaterThanOrEqualTo(3);
        assertThat(asked.get(1).expiresAt()).as("the refused token").isBefore(asked.get(1).at());
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: it reads the logs and responses of every test before it
    void configuredCredentialsAndTokens_neverReachClientsOrLogs() throws Exception {
        assertPullsThroughLongshore(imageD);
        Response missing = get("/v2/longshore-it/no-such-repository/manifests/1");
        assertThat(missing.status()).isEqualTo(404);

        // the same upstream with the credential in a tokenFile
        Path tokenFile = work.resolve("ci-bot.token");
        Files.writeString(tokenFile, BOT_TOKEN + "\n");
        try (LongshoreUnderTest bot = LongshoreUnderTest.startWithConfig("""
                upstreams:
                  - name: %s
                    url: %s
                    username: %s
                    tokenFile: %s
                """.formatted(UPSTREAM_NAME, registry.url(), BOT, tokenFile), work.resolve("bot-data"))) {
            Response manifest = get(bot.hostPort(), "/v2/" + imageD.repository() + "/manifests/1");
            assertThat(manifest.status()).as("pull with the tokenFile's credential: %s", manifest).isEqualTo(200);
            assertThat(manifest.body()).isEqualTo(imageD.manifest());
        }
        assertThat(issuer.requestsFor(imageD.pullScope())).anySatisfy(r -> assertThat(r.user()).isEqualTo(BOT));

        // the same upstream with a wrong password: the client gets an error, and neither password shows anywhere
        try (LongshoreUnderTest wrong = LongshoreUnderTest.startWithConfig(config(WRONG_PASSWORD), work.resolve("wrong-data"))) {
            Response refused = get(wrong.hostPort(), "/v2/" + imageD.repository() + "/manifests/1");
            assertThat(refused.status()).isBetween(400, 599);
        }
        assertThat(issuer.requests()).as("the wrong password reached the issuer")
                .anySatisfy(r -> assertThat(r.token()).isNull());

        List<String> secrets = new ArrayList<>(List.of(PULLER_PASSWORD, WRONG_PASSWORD, SEEDER_PASSWORD,
                BOT_TOKEN, basic(PULLER, PULLER_PASSWORD), basic(PULLER, WRONG_PASSWORD), basic(BOT, BOT_TOKEN)));
        for (String token : issuer.issuedTokens()) {
            secrets.add(token);
            secrets.add(token.substring(token.lastIndexOf('.') + 1)); // the signature alone, should a log cut the token
        }
        assertThat(issuer.issuedTokens()).as("tokens issued in this class").hasSizeGreaterThan(3);

        List<String> logLines = logs.lines();
        assertThat(logLines).as("captured log lines (the capture works)")
                .anyMatch(l -> l.contains("/v2/" + imageD.repository() + "/manifests/1"));
        assertThat(seenByClients).as("responses seen by clients").hasSizeGreaterThan(5);
        for (String secret : secrets) {
            assertThat(logLines).as("log lines").noneMatch(l -> l.contains(secret));
            assertThat(seenByClients).as("responses to clients").noneMatch(r -> r.contains(secret));
        }
    }

    // --- helpers ---

    private static String config(String password) {
        return """
                upstreams:
                  - name: %s
                    url: %s
                    username: %s
                    password: "%s"
                """.formatted(UPSTREAM_NAME, registry.url(), PULLER, password);
    }

    /** An OCI image made by TestImages, pushed by skopeo with the seeder's credentials, read back with a minted token. */
    private static Image seed(TestImages images, String repository) throws IOException {
        Path layout = images.armLayout(repository.replace('/', '-'), 192 * 1024);
        TestImages.skopeo("copy", "--dest-tls-verify=false", "--dest-creds", SEEDER + ":" + SEEDER_PASSWORD,
                "oci:" + layout + ":arm64", "docker://" + registry.hostPort() + "/" + repository + ":1");
        String token = issuer.mint(repository, List.of("pull"));
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(registry.url().resolve("/v2/" + repository + "/manifests/1"))
                .header("Authorization", "Bearer " + token)
                .header("Accept", UpstreamRegistry.ACCEPT_ALL).GET(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("the registry serves the seeded %s with the issuer's token", repository).isEqualTo(200);
        String digest = r.headers().firstValue("Docker-Content-Digest").orElseThrow();
        assertThat(TestImages.sha256(r.body())).isEqualTo(digest);
        JsonNode manifest = Json.parse(r.body());
        String indexDigest = Json.parse(Files.readAllBytes(layout.resolve("index.json"))).path("manifests").get(0).path("digest").asText();
        assertThat(digest).as("skopeo kept the layout's manifest byte for byte").isEqualTo(indexDigest);
        return new Image(repository, digest, r.body(), manifest.path("config").path("digest").asText(),
                manifest.path("layers").get(0).path("digest").asText());
    }

    private static void assertPullsThroughLongshore(Image image) {
        Response manifest = get("/v2/" + image.repository() + "/manifests/1");
        assertThat(manifest.status()).as("manifest through Longshore: %s", manifest).isEqualTo(200);
        assertThat(manifest.body()).isEqualTo(image.manifest());
        assertThat(manifest.headers().get("docker-content-digest")).containsExactly(image.manifestDigest());
        assertBlob(image, image.configDigest());
        assertBlob(image, image.layerDigest());
    }

    private static void assertBlob(Image image, String digest) {
        Response blob = get("/v2/" + image.repository() + "/blobs/" + digest);
        assertThat(blob.status()).as("blob %s through Longshore: %s", digest, blob).isEqualTo(200);
        assertThat(TestImages.sha256(blob.body())).isEqualTo(digest);
    }

    record Response(int status, Map<String, List<String>> headers, byte[] body) {
        @Override
        public String toString() {
            return status + " " + headers + " " + (body.length > 2000 ? body.length + " bytes" : new String(body, StandardCharsets.UTF_8));
        }
    }

    private static Response get(String path) {
        return get(longshore.hostPort(), path);
    }

    /** A GET as a client without credentials sends it; the whole response is kept for the leak check. */
    private static Response get(String hostPort, String path) {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
                .header("Accept", UpstreamRegistry.ACCEPT_ALL).GET(), HttpResponse.BodyHandlers.ofByteArray());
        Response response = new Response(r.statusCode(), r.headers().map(), r.body());
        seenByClients.add(r.statusCode() + " " + r.headers().map() + "\n" + new String(r.body(), StandardCharsets.ISO_8859_1));
        return response;
    }

    private static <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), handler);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String basic(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String randomHex() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
