package dev.longshore.proxy.admin;

import dev.longshore.proxy.testing.LeakWatcher;
import dev.longshore.config.AccessLogTarget;
import dev.longshore.storage.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(LeakWatcher.class)
class GracefulShutdownTest {
    /** Larger than loopback socket buffers with a small client receive window, so the response is really under way. */
    private static final int BLOB_SIZE = 8 * 1024 * 1024;

    @TempDir
    Path data;

    @Test
    void close_whileABlobIsBeingSent_letsTheResponseFinishThenStops() throws Exception {
        AdminHarness harness = new AdminHarness(data, BLOB_SIZE, AccessLogTarget.OFF);
        CompletableFuture<Void> closing = null;
        try {
            String blob = harness.upstream.blobPath(harness.upstream.layerDigest);
            // Cached first, so the response under way is the zero-copy file a hit sends.
            assertThat(harness.pull("GET", blob).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.server.storage().findBlob(harness.upstream.layerDigest).isPresent());
            int port = harness.server.address().getPort();

            try (Socket socket = new Socket()) {
                socket.setReceiveBufferSize(32 * 1024);
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                socket.setSoTimeout(20_000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + blob + " HTTP/1.1\r\nHost: mirror\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                String head = readHead(in);
                assertThat(head).startsWith("http/1.1 200").contains("content-length: " + BLOB_SIZE);
                byte[] first = in.readNBytes(64 * 1024);

                // SIGTERM's shutdown hook calls close(): it must wait for this response, which has most of its bytes to go.
                closing = CompletableFuture.runAsync(harness::close);
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class));
                assertThat(closing).isNotDone();

                ByteArrayOutputStream body = new ByteArrayOutputStream(BLOB_SIZE);
                body.write(first);
                in.transferTo(body); // to EOF: the server closes the connection after this response
                assertThat(body.size()).isEqualTo(BLOB_SIZE);
                assertThat(Digest.sha256Of(body.toByteArray())).isEqualTo(harness.upstream.layerDigest);
            }
            closing.get(15, TimeUnit.SECONDS);
        } finally {
            if (closing == null) {
                harness.close();
            }
        }
    }

    private static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IllegalStateException("connection closed in the response head: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
    }
}
