package dev.longshore.benchmarks.load;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts what a mirror asked of the upstream during a scenario, from the upstream registry's access log (combined log
 * format, one line per finished request, with the bytes it sent). {@link #mark} remembers where the log ends now;
 * {@link #since} reads what came after, once the log has been quiet for a moment, because a mirror may still be
 * downloading after its clients are done.
 */
public final class UpstreamLog {

    /** Upstream traffic: every request, the blob GETs among them, and the response bytes of all of them. */
    public record Traffic(long requests, long blobGets, long bytes) {
    }

    // 127.0.0.1 - - [03/Dec/2026:17:45:04 +0000] "GET /v2/t/x/blobs/sha256:2c... HTTP/1.1" 200 5 "" "curl/7.88.1"
    private static final Pattern LINE = Pattern.compile("\"([A-Z]+) (\\S+) HTTP/[0-9.]+\" (\\d{3}) (\\d+|-)");

    private final Path file;
    private final long offset;

    private UpstreamLog(Path file, long offset) {
        this.file = file;
        this.offset = offset;
    }

    public static UpstreamLog mark(Path file) throws IOException {
        return new UpstreamLog(file, Files.size(file));
    }

    /** The traffic logged since the mark, once the log has not grown for {@code quiet} (waiting at most {@code max}). */
    public Traffic since(Duration quiet, Duration max) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long size = Files.size(file);
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - stableSince < quiet.toNanos()) {
            // Polling a file's size; there is no event to wait on.
            Thread.sleep(100);
            long now = Files.size(file);
            if (now != size) {
                size = now;
                stableSince = System.nanoTime();
            }
        }
        return parse(read(size));
    }

    private String read(long end) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            return new String(in.readNBytes((int) Math.min(Integer.MAX_VALUE, end - offset)), StandardCharsets.UTF_8);
        }
    }

    static Traffic parse(String log) {
        long requests = 0;
        long blobGets = 0;
        long bytes = 0;
        for (String line : List.of(log.split("\n"))) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            requests++;
            if (m.group(1).equals("GET") && m.group(2).contains("/blobs/sha256:")) {
                blobGets++;
            }
            if (!m.group(4).equals("-")) {
                bytes += Long.parseLong(m.group(4));
            }
        }
        return new Traffic(requests, blobGets, bytes);
    }
}
