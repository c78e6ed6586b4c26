package dev.longshore.proxy.fill;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted registry upstream on a raw socket, for faults that need byte-exact timing: reset the connection after
 * exactly n body bytes, stall without closing, ignore Range, throttle. Each request takes the next {@link Answer}
 * from the script; an empty script answers 404. Every request is recorded.
 */
final class FakeBlobUpstream implements AutoCloseable {

    record Request(String method, String path, String range) {
        boolean isGet() {
            return method.equals("GET");
        }
    }

    /** How one request is answered. */
    interface Answer {
        /** Writes the response; returns false if the connection must end afterwards. */
        boolean answer(Request request, Socket socket, InputStream in, OutputStream out) throws IOException;
    }

    private enum Cut { NONE, RESET, STALL }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile long lastBodyByteNanos;

    FakeBlobUpstream() throws IOException {
        server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Answers the next request (in arrival order) with {@code answer}. */
    FakeBlobUpstream then(Answer answer) {
        synchronized (script) {
            script.add(answer);
        }
        return this;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> gets() {
        return requests.stream().filter(Request::isGet).toList();
    }

    /** When the last body byte of any answer went out; for "first byte before the fill ends" checks. */
    long lastBodyByteNanos() {
        return lastBodyByteNanos;
    }

    // ---- answers ----

    /** The blob as a real registry serves it: 200, or 206 for a Range, at full speed. */
    static Answer blob(byte[] body) {
        return blob(body, 0);
    }

    /** The blob, paced to {@code bytesPerSecond} (0: unpaced). */
    static Answer blob(byte[] body, long bytesPerSecond) {
        return new BlobAnswer(body, true, bytesPerSecond, -1, Cut.NONE);
    }

    /** 200 (or 206 for a Range) with the full Content-Length, then a TCP reset after {@code bytes} body bytes. */
    static Answer resetAfter(byte[] body, long bytes) {
        return new BlobAnswer(body, true, 0, bytes, Cut.RESET);
    }

    /** Like {@link #resetAfter} but paced, so that clients can join before the reset. */
    static Answer resetAfter(byte[] body, long bytes, long bytesPerSecond) {
        return new BlobAnswer(body, true, bytesPerSecond, bytes, Cut.RESET);
    }

    /** Sends {@code bytes} body bytes, then nothing more, keeping the connection open until the other side closes it. */
    static Answer stallAfter(byte[] body, long bytes) {
        return new BlobAnswer(body, true, 0, bytes, Cut.STALL);
    }

    /** Never sends a response head; keeps the connection open until the other side closes it. */
    static Answer stallBeforeHead() {
        return (request, socket, in, out) -> {
            drainUntilClosed(in);
            return false;
        };
    }

    /** An upstream that ignores Range and sends 200 with the whole blob. */
    static Answer ignoringRange(byte[] body) {
        return new BlobAnswer(body, false, 0, -1, Cut.NONE);
    }

    static Answer status(int code) {
        return (request, socket, in, out) -> {
            out.write(("HTTP/1.1 " + code + " Scripted\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return true;
        };
    }

    private record BlobAnswer(byte[] body, boolean honourRange, long bytesPerSecond, long cutAfter, Cut cut) implements Answer {
        @Override
        public boolean answer(Request request, Socket socket, InputStream in, OutputStream out) throws IOException {
            long from = 0;
            Matcher m = request.range() == null ? null : RANGE.matcher(request.range().trim());
            if (honourRange && m != null && m.matches()) {
                from = Long.parseLong(m.group(1));
            }
            long length = body.length - from;
            StringBuilder head = new StringBuilder();
            if (from > 0) {
                head.append("HTTP/1.1 206 Partial Content\r\n")
                        .append("Content-Range: bytes ").append(from).append('-').append(body.length - 1).append('/').append(body.length).append("\r\n");
            } else {
                head.append("HTTP/1.1 200 OK\r\n");
            }
            head.append("Content-Type: application/octet-stream\r\nContent-Length: ").append(length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (request.method().equals("HEAD")) {
                return true;
            }
            long toSend = cut == Cut.NONE ? length : Math.min(length, cutAfter);
            long started = System.nanoTime();
            long sent = 0;
            while (sent < toSend) {
                int n = (int) Math.min(64 * 1024, toSend - sent);
                out.write(body, (int) (from + sent), n);
                sent += n;
                if (bytesPerSecond > 0) {
                    out.flush();
                    // Pacing, not waiting for anything: hold the rate at bytesPerSecond.
                    long due = started + sent * 1_000_000_000L / bytesPerSecond;
                    long ahead = due - System.nanoTime();
                    if (ahead > 0) {
                        LockSupport.parkNanos(ahead);
                    }
                }
            }
            out.flush();
            switch (cut) {
                case NONE -> {
                    return true;
                }
                case RESET -> {
                    socket.setSoLinger(true, 0); // close() now sends RST instead of FIN
                    socket.close();
                    return false;
                }
                case STALL -> {
                    drainUntilClosed(in);
                    return false;
                }
            }
            return false;
        }
    }

    private static void drainUntilClosed(InputStream in) {
        try {
            while (in.read() >= 0) {
                // The client may close or reset; either ends the stall.
            }
        } catch (IOException ignored) {
            // Closed under us: the stall is over.
        }
    }

    // ---- plumbing ----

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                Request request = readRequest(in);
                if (request == null) {
                    return;
                }
                requests.add(request);
                Answer answer;
                synchronized (script) {
                    answer = script.poll();
                }
                if (answer == null) {
                    answer = status(404);
                }
                boolean keepOpen = answer.answer(request, socket, in, out);
                if (request.isGet()) {
                    lastBodyByteNanos = System.nanoTime();
                }
                if (!keepOpen) {
                    return;
                }
            }
        } catch (IOException e) {
            // The client went away (Longshore dropped the connection, or was killed): nothing to answer.
        } finally {
            sockets.remove(socket);
        }
    }

    private static Request readRequest(InputStream in) throws IOException {
        String requestLine = readLine(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return null;
        }
        String range = null;
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("range")) {
                range = line.substring(colon + 1).trim();
            }
        }
        String[] parts = requestLine.split(" ");
        return new Request(parts[0], parts.length > 1 ? parts[1] : "", range);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
