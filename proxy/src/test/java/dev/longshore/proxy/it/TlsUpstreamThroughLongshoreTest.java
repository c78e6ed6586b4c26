package dev.longshore.proxy.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An upstream behind TLS with a lab CA, as a private registry often is: the reference registry serving HTTPS with a
 * certificate for 127.0.0.1 signed by a CA made here with the JDK's {@code keytool}. Longshore trusts it with the
 * upstream's {@code caFile}, refuses it without, and accepts anything with {@code insecureSkipVerify}.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TlsUpstreamThroughLongshoreTest {

    private static final String REPOSITORY = "team/tls-app";
    private static final String STORE_PASSWORD = "longshore-it";

    @TempDir
    static Path work;

    private static Path caPem;
    private static UpstreamRegistry registry;
    private static String manifestDigest;

    @BeforeAll
    static void startTlsRegistry() throws Exception {
        assumeFalse(LongshoreUnderTest.DIRECT, "tests Longshore's upstream TLS settings; no direct mode");
        assumeTrue(Processes.onPath("skopeo"), "skopeo is not installed (scripts/docker-up installs it)");
        Path certs = Files.createDirectories(work.resolve("certs"));
        makeLabCaAndServerCertificate(certs);
        caPem = certs.resolve("ca.pem");
        registry = UpstreamRegistry.start(Map.of(
                        "REGISTRY_HTTP_TLS_CERTIFICATE", "/certs/server.pem",
                        "REGISTRY_HTTP_TLS_KEY", "/certs/server-key.pem"),
                Map.of(certs.resolve("server.pem"), "/certs/server.pem", certs.resolve("server-key.pem"), "/certs/server-key.pem"));

        Path layout = new TestImages(DockerCli.machine(), registry, work).armLayout("tls-app", 128 * 1024);
        TestImages.skopeo("copy", "--dest-tls-verify=false", "oci:" + layout + ":arm64",
                "docker://" + registry.hostPort() + "/" + REPOSITORY + ":1");
        // skopeo keeps an OCI layout's manifest byte for byte (TokenRegistryThroughLongshoreTest checks it)
        manifestDigest = Json.parse(Files.readAllBytes(layout.resolve("index.json"))).path("manifests").get(0).path("digest").asText();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void upstreamWithLabCa_andCaFile_isPulledThrough() throws Exception {
        try (LongshoreUnderTest longshore = longshore("caFile: " + caPem, "ca")) {
            HttpResponse<byte[]> r = getManifest(longshore);
            assertThat(r.statusCode()).as("%s", new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(TestImages.sha256(r.body())).isEqualTo(manifestDigest);
        }
    }

    @Test
    void upstreamWithLabCa_withoutCaFile_isRefused() throws Exception {
        try (LongshoreUnderTest longshore = longshore("", "none")) {
            HttpResponse<byte[]> r = getManifest(longshore);
            // the upstream cannot be used: a bad gateway, with the spec's error body
            assertThat(r.statusCode()).as("an upstream whose certificate nothing vouches for").isEqualTo(502);
            assertThat(Json.parse(r.body()).path("errors").get(0).path("code").asText()).isNotEmpty();
        }
    }

    @Test
    void upstreamWithLabCa_andInsecureSkipVerify_isPulledThrough() throws Exception {
        try (LongshoreUnderTest longshore = longshore("insecureSkipVerify: true", "insecure")) {
            HttpResponse<byte[]> r = getManifest(longshore);
            assertThat(r.statusCode()).as("%s", new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(TestImages.sha256(r.body())).isEqualTo(manifestDigest);
        }
    }

    private static LongshoreUnderTest longshore(String tlsSetting, String name) throws Exception {
        return LongshoreUnderTest.startWithConfig("""
                upstreams:
                  - name: lab.test.local
                    url: %s
                    %s
                """.formatted(registry.url(), tlsSetting), work.resolve("longshore-" + name));
    }

    private static HttpResponse<byte[]> getManifest(LongshoreUnderTest longshore) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + longshore.hostPort() + "/v2/" + REPOSITORY + "/manifests/1"))
                .header("Accept", UpstreamRegistry.ACCEPT_ALL).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * ca.pem (a CA), server.pem (a certificate for IP 127.0.0.1 that the CA signed, then the CA) and server-key.pem
     * (its PKCS#8 key), all made with keytool.
     */
    private static void makeLabCaAndServerCertificate(Path dir) throws Exception {
        String ca = dir.resolve("ca.p12").toString();
        String server = dir.resolve("server.p12").toString();
        keytool(null, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=longshore-it lab CA",
                "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", ca);
        String caPemText = keytool(null, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca);
        keytool(null, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", server);
        String request = keytool(null, "-certreq", "-alias", "server", "-keystore", server);
        String serverPem = keytool(request.getBytes(StandardCharsets.US_ASCII), "-gencert", "-rfc", "-alias", "ca",
                "-keystore", ca, "-validity", "2", "-ext", "san=ip:127.0.0.1", "-ext", "eku=serverAuth");
        Files.writeString(dir.resolve("ca.pem"), caPemText);
        Files.writeString(dir.resolve("server.pem"), serverPem + caPemText);

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(server))) {
            store.load(in, STORE_PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("server", STORE_PASSWORD.toCharArray());
        Files.writeString(dir.resolve("server-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    /** Runs keytool with the store password; returns its standard output. */
    private static String keytool(byte[] stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", STORE_PASSWORD));
        if (args[0].equals("-genkeypair")) {
            cmd.addAll(List.of("-keypass", STORE_PASSWORD));
        }
        return Processes.run(Duration.ofSeconds(60), Map.of(), stdin, cmd).orFail().stdout();
    }
}
