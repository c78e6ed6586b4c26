package dev.longshore.proxy.upstream;

import dev.longshore.config.UpstreamSettings;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/** The TLS client context for one upstream, from its {@link UpstreamSettings.Tls} settings. */
final class UpstreamTls {
    private UpstreamTls() {
    }

    static SslContext sslContext(UpstreamSettings.Tls tls) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
            if (tls.insecureSkipVerify()) {
                // The explicit lab switch: any certificate, any host name.
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else {
                // HTTPS endpoint identification checks the certificate's host name.
                builder.endpointIdentificationAlgorithm("HTTPS");
                if (tls.caFile().isPresent()) {
                    builder.trustManager(defaultTrustPlus(tls.caFile().get()));
                }
            }
            return builder.build();
        } catch (IOException | GeneralSecurityException e) {
            throw new UncheckedIOException("cannot set up TLS for upstream connections", e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** The JDK's default trusted CAs and the certificates in {@code caFile}: a private CA adds to public trust. */
    private static TrustManagerFactory defaultTrustPlus(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        jdk.init((KeyStore) null);
        int i = 0;
        for (var manager : jdk.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                for (X509Certificate ca : x509.getAcceptedIssuers()) {
                    store.setCertificateEntry("jdk-" + i++, ca);
                }
            }
        }
        try (InputStream in = Files.newInputStream(caFile)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-file-" + i++, certificate);
            }
        }
        TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        combined.init(store);
        return combined;
    }
}
