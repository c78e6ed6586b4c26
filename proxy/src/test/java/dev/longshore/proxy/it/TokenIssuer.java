package dev.longshore.proxy.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry token service (the distribution token spec) for the reference registry's {@code auth: token}: it
 * checks Basic credentials, grants every action a known user asks for, and signs RS256 JWTs whose {@code x5c}
 * header carries its self-signed certificate, which is also the registry's root certificate bundle. The key and
 * certificate are made with the JDK's {@code keytool}, so nothing beyond the JDK is needed.
 *
 * <p>Tests steer it: {@link #lifetime(Duration)} sets how long new tokens live ({@code expires_in} and the JWT's
 * {@code exp}), {@link #rejectNext(int)} makes the next tokens ones the registry refuses although
 * {@code expires_in} promises minutes (a token revoked or expired early). Every request is recorded.
 */
final class TokenIssuer implements AutoCloseable {

    static final String SERVICE = "longshore-it-registry";
    static final String ISSUER = "longshore-it-token-issuer";
    static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
    /** distribution 2.8 accepts a token this long past its exp (token.Leeway), so a refused token expired longer ago. */
    private static final Duration REGISTRY_LEEWAY = Duration.ofSeconds(60);
    private static final String STORE_PASSWORD = "longshore-it";

    /**
     * One token request as the issuer saw it.
     *
     * @param user  the Basic user, or null when the request was anonymous
     * @param query the decoded query parameters, in order (a name may repeat)
     * @param token the token issued, or null when the credentials were refused
     */
    record TokenRequest(Instant at, String user, String path, List<Map.Entry<String, String>> query, String token,
                        Instant expiresAt) {
        List<String> param(String name) {
            return query.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).toList();
        }
    }

    private final HttpServer server;
    private final String realmPath;
    private final PrivateKey key;
    private final String certificateBase64;
    private final Path rootCertificatePem;
    private final Map<String, String> passwords;
    private final List<TokenRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger rejectedStillToIssue = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private volatile Duration lifetime = DEFAULT_LIFETIME;

    private TokenIssuer(HttpServer server, String realmPath, PrivateKey key, String certificateBase64,
                        Path rootCertificatePem, Map<String, String> passwords) {
        this.server = server;
        this.realmPath = realmPath;
        this.key = key;
        this.certificateBase64 = certificateBase64;
        this.rootCertificatePem = rootCertificatePem;
        this.passwords = Map.copyOf(passwords);
    }

    /**
     * Makes a key and certificate in {@code dir} and listens on 127.0.0.1.
     *
     * @param realmPath where tokens are served, e.g. {@code /token}
     * @param passwords user name to password, for Basic credentials
     */
    static TokenIssuer start(Path dir, String realmPath, Map<String, String> passwords) throws Exception {
        Path store = dir.resolve("token-issuer.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Processes.run(Duration.ofSeconds(60), keytool, "-genkeypair", "-alias", "issuer", "-keyalg", "RSA",
                "-keysize", "2048", "-sigalg", "SHA256withRSA", "-dname", "CN=longshore-it token issuer",
                "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD).orFail();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, STORE_PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) keyStore.getKey("issuer", STORE_PASSWORD.toCharArray());
        Certificate certificate = keyStore.getCertificate("issuer");
        Path pem = dir.resolve("token-issuer-root.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n");

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        TokenIssuer issuer = new TokenIssuer(server, realmPath, key,
                Base64.getEncoder().encodeToString(certificate.getEncoded()), pem, passwords);
        server.createContext(realmPath, issuer::handle);
        server.start();
        return issuer;
    }

    /** The realm URL the registry names in its challenges. */
    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + realmPath;
    }

    /** The certificate the registry trusts ({@code rootcertbundle}). */
    Path rootCertificatePem() {
        return rootCertificatePem;
    }

    void lifetime(Duration newLifetime) {
        this.lifetime = newLifetime;
    }

    /** The next {@code count} tokens are ones the registry refuses, while their expires_in says five minutes. */
    void rejectNext(int count) {
        rejectedStillToIssue.set(count);
    }

    /** Back to five-minute tokens that the registry accepts. */
    void reset() {
        lifetime = DEFAULT_LIFETIME;
        rejectedStillToIssue.set(0);
    }

    List<TokenRequest> requests() {
        return List.copyOf(requests);
    }

    /** The requests that asked for exactly this scope. */
    List<TokenRequest> requestsFor(String scope) {
        return requests.stream().filter(r -> r.param("scope").equals(List.of(scope))).toList();
    }

    /** Every token this issuer handed out. */
    List<String> issuedTokens() {
        return requests.stream().map(TokenRequest::token).filter(t -> t != null).toList();
    }

    /** A token granting {@code actions} on {@code repository}, for the test's own requests to the registry. */
    String mint(String repository, List<String> actions) {
        Instant now = Instant.now();
        return sign("longshore-it-test", List.of(access(repository, actions)), now, now.plus(DEFAULT_LIFETIME));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Instant now = Instant.now();
            List<Map.Entry<String, String>> query = parseQuery(exchange.getRequestURI().getRawQuery());
            String user = null;
            boolean known = false;
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                String pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                user = colon < 0 ? pair : pair.substring(0, colon);
                known = colon >= 0 && pair.substring(colon + 1).equals(passwords.get(user));
            }
            String path = exchange.getRequestURI().getRawPath();
            if (authorization != null && !known) {
                requests.add(new TokenRequest(now, user, path, query, null, null));
                reply(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"unknown user or wrong password\"}]}");
                return;
            }
            // Known users get every action they ask for; anonymous callers get a token that grants nothing.
            List<Map<String, Object>> access = new ArrayList<>();
            if (known) {
                for (Map.Entry<String, String> p : query) {
                    if (p.getKey().equals("scope")) {
                        for (String scope : p.getValue().split(" ")) {
                            Map<String, Object> granted = parseScope(scope);
                            if (granted != null) {
                                access.add(granted);
                            }
                        }
                    }
                }
            }
            boolean refused = rejectedStillToIssue.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            Duration life = lifetime;
            Instant expiresAt = refused ? now.minus(REGISTRY_LEEWAY.multipliedBy(2)) : now.plus(life);
            String token = sign(user == null ? "anonymous" : user, access, now, expiresAt);
            requests.add(new TokenRequest(now, user, path, query, token, expiresAt));
            long expiresIn = refused ? DEFAULT_LIFETIME.toSeconds() : life.toSeconds();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("token", token);
            body.put("access_token", token);
            body.put("expires_in", expiresIn);
            body.put("issued_at", now.truncatedTo(ChronoUnit.SECONDS).toString());
            reply(exchange, 200, new String(Json.bytes(body), StandardCharsets.UTF_8));
        }
    }

    private static Map<String, Object> parseScope(String scope) {
        int first = scope.indexOf(':');
        int last = scope.lastIndexOf(':');
        if (first < 0 || last <= first) {
            return null;
        }
        return access(scope.substring(first + 1, last), List.of(scope.substring(last + 1).split(",")),
                scope.substring(0, first));
    }

    private static Map<String, Object> access(String repository, List<String> actions) {
        return access(repository, actions, "repository");
    }

    private static Map<String, Object> access(String name, List<String> actions, String type) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("type", type);
        a.put("name", name);
        a.put("actions", actions);
        return a;
    }

    private String sign(String subject, List<Map<String, Object>> access, Instant now, Instant expiresAt) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.put("x5c", List.of(certificateBase64));
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", subject);
        claims.put("aud", SERVICE);
        claims.put("exp", expiresAt.getEpochSecond());
        claims.put("nbf", now.getEpochSecond() - 5);
        claims.put("iat", now.getEpochSecond());
        byte[] jti = new byte[12];
        random.nextBytes(jti);
        claims.put("jti", HexFormat.of().formatHex(jti));
        claims.put("access", access);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(Json.bytes(header)) + "." + b64.encodeToString(Json.bytes(claims));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Map.Entry<String, String>> parseQuery(String raw) {
        List<Map.Entry<String, String>> params = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.add(Map.entry(name, value));
        }
        return params;
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
