package dev.longshore.proxy.upstream;

import dev.longshore.proxy.testing.LeakWatcher;
import dev.longshore.config.UpstreamSettings;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An upstream with a certificate from a private CA (here self-signed, for 127.0.0.1): untrusted by default, trusted
 * with {@code caFile}, and accepted without checks only with the explicit {@code insecureSkipVerify} switch.
 */
@ExtendWith(LeakWatcher.class)
class UpstreamTlsTest {
    private static EventLoopGroup group;
    @TempDir
    Path dir;
    private MockWebServer server;

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void startHttpsUpstream() throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = UpstreamTlsTest.class.getResourceAsStream("/tls/server.p12")) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        server = new MockWebServer();
        server.useHttps(tls.getSocketFactory());
        server.start();
    }

    @AfterEach
    void stopUpstream() {
        server.close();
    }

    private UpstreamResponse fetchApiBase(UpstreamSettings.Tls tls) {
        UpstreamSettings settings = new UpstreamSettings("registry.test", URI.create("https://127.0.0.1:" + server.getPort()),
                Optional.empty(), Duration.ofSeconds(10), Duration.ofSeconds(10)).withTls(tls);
        try (UpstreamClient client = new UpstreamClient(settings, group, Clock.systemUTC())) {
            return client.fetch(UpstreamRequest.get("/v2/", null), 1024).orTimeout(30, TimeUnit.SECONDS).join();
        }
    }

    @Test
    void privateCa_isRefusedByDefault() {
        server.enqueue(new MockResponse.Builder().code(200).body("{}").build());
        assertThatThrownBy(() -> fetchApiBase(UpstreamSettings.Tls.SYSTEM))
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(UpstreamException.class);
    }

    @Test
    void privateCa_isTrustedWithCaFile() throws Exception {
        Path ca = dir.resolve("ca.pem");
        try (InputStream in = UpstreamTlsTest.class.getResourceAsStream("/tls/cert.pem")) {
            Files.copy(in, ca);
        }
        server.enqueue(new MockResponse.Builder().code(200).body("{}").build());
        assertThat(fetchApiBase(new UpstreamSettings.Tls(Optional.of(ca), false)).status()).isEqualTo(200);
    }

    @Test
    void anyCertificate_isAcceptedWithInsecureSkipVerify() {
        server.enqueue(new MockResponse.Builder().code(200).body("{}").build());
        assertThat(fetchApiBase(new UpstreamSettings.Tls(Optional.empty(), true)).status()).isEqualTo(200);
    }
}
