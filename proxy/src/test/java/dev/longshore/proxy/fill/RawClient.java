package dev.longshore.proxy.fill;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A minimal HTTP/1.1 client on a raw socket, one request per connection: the tests decide exactly how fast, how far
 * and whether a body is read, and can tell a complete body from one cut short of its Content-Length.
 */
final class RawClient implements AutoCloseable {
    /** Longer than any wait a test expects, shorter than the test's own budget: a hang fails instead of blocking. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    /** What a client got of a body. {@code sha256} is of the bytes received, complete or not. */
    record Body(int status, long bytes, long contentLength, boolean complete, String sha256, long firstByteNanos, long endNanos) {
    }

    private final Socket socket;
    private final InputStream in;
    private final int status;
    private final Map<String, String> headers;

    private RawClient(Socket socket, InputStream in, int status, Map<String, String> headers) {
        this.socket = socket;
        this.in = in;
        this.status = status;
        this.headers = headers;
    }

    static RawClient get(int port, String path, String... extraHeaders) throws IOException {
        return send("GET", port, path, 0, extraHeaders);
    }

    static RawClient head(int port, String path) throws IOException {
        return send("HEAD", port, path, 0);
    }

    /**
     * Sends the request and reads the response head.
     *
     * @param receiveBuffer the socket's receive buffer in bytes, small for clients meant to be slow; 0 for the default
     */
    static RawClient send(String method, int port, String path, int receiveBuffer, String... extraHeaders) throws IOException {
        Socket socket = new Socket();
        try {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer); // before connect, so the window is negotiated small
            }
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            StringBuilder request = new StringBuilder()
                    .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Connection: close\r\n");
            for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
                request.append(extraHeaders[i]).append(": ").append(extraHeaders[i + 1]).append("\r\n");
            }
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            String statusLine = readLine(in);
            if (statusLine == null) {
                throw new IOException("connection closed before a response head");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            String line;
            while ((line = readLine(in)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            return new RawClient(socket, in, status, headers);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    int status() {
        return status;
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    long contentLength() {
        String value = header("Content-Length");
        return value == null ? -1 : Long.parseLong(value);
    }

    /** Reads the whole body (to Content-Length or EOF), hashing it, as fast as it comes. */
    Body readAll() throws IOException {
        return read(Long.MAX_VALUE, 0);
    }

    /** Reads at most {@code limit} body bytes, paced to {@code bytesPerSecond} (0: as fast as they come). */
    Body read(long limit, long bytesPerSecond) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long length = contentLength();
        long want = Math.min(limit, length < 0 ? Long.MAX_VALUE : length);
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        long firstByte = 0;
        long started = System.nanoTime();
        while (total < want) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, want - total));
            if (n < 0) {
                break;
            }
            if (firstByte == 0) {
                firstByte = System.nanoTime();
            }
            sha256.update(buffer, 0, n);
            total += n;
            if (bytesPerSecond > 0) {
                long ahead = started + total * 1_000_000_000L / bytesPerSecond - System.nanoTime();
                if (ahead > 0) {
                    LockSupport.parkNanos(ahead); // pacing the reader, not waiting for a condition
                }
            }
        }
        return new Body(status, total, length, length >= 0 && total == length, HexFormat.of().formatHex(sha256.digest()),
                firstByte, System.nanoTime());
    }

    /** The whole body as text: for small error bodies. */
    String readText() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long length = contentLength();
        byte[] buffer = new byte[8192];
        int n;
        while ((length < 0 || body.size() < length) && (n = in.read(buffer)) >= 0) {
            body.write(buffer, 0, n);
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
