package dev.longshore.proxy.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longshore.config.AccessLogTarget;
import dev.longshore.config.SettingsException;
import dev.longshore.proxy.http.RequestObserver;
import dev.longshore.proxy.metrics.ServerMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The access and audit log: one JSON line per request, to standard output or appended to a file.
 *
 * <pre>
 * {"time":"2026-12-03T18:04:43.512Z","client":"10.0.0.7","user":null,"method":"GET",
 *  "path":"/v2/library/alpine/blobs/sha256:...","route":"blob","status":200,"bytes":3623807,"cache":"hit",
 *  "upstream":"docker.io","durationMs":4.1,"completed":true}
 * </pre>
 *
 * On standard output the lines go through the {@code longshore.access} logger, whose appender in logback.xml writes
 * the message alone (pure JSON lines, and one stdout writer, so a log line never lands inside an access line); tests
 * capture that logger. A file is written directly.
 *
 * <p>Lines are formatted and written on a thread of their own, never on an event loop; if the log falls more than
 * {@value #QUEUE_LINES} lines behind (a stalled disk or pipe), further lines are dropped and counted in
 * {@link ServerMeter#ACCESS_LOG_DROPPED} rather than slowing every client down.
 */
public final class AccessLog implements RequestObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    /** The logger standard output lines go through. */
    public static final String LOGGER = "longshore.access";
    private static final Logger access = LoggerFactory.getLogger(LOGGER);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int QUEUE_LINES = 10_000;

    /** The file's stream; null for standard output, which goes through {@link #LOGGER}. */
    private final OutputStream out;
    private final boolean closeOut;
    private final ThreadPoolExecutor writer;
    private final Counter dropped;

    private AccessLog(OutputStream out, boolean closeOut, MeterRegistry registry) {
        this.out = out;
        this.closeOut = closeOut;
        this.dropped = ServerMeter.ACCESS_LOG_DROPPED.counter(registry);
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE_LINES),
                new DefaultThreadFactory("longshore-access-log", true), (task, executor) -> dropped.increment());
    }

    /** The log for {@code target}; null for {@link AccessLogTarget.Off}. */
    public static AccessLog open(AccessLogTarget target, MeterRegistry registry) throws IOException {
        return switch (target) {
            case AccessLogTarget.Off ignored -> null;
            case AccessLogTarget.Stdout ignored -> new AccessLog(null, false, registry);
            case AccessLogTarget.File file -> {
                try {
                    Path parent = file.path().toAbsolutePath().getParent();
                    if (parent != null) {
                        Files.createDirectories(parent);
                    }
                    yield new AccessLog(new BufferedOutputStream(Files.newOutputStream(file.path(),
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE), 64 * 1024), true, registry);
                } catch (IOException e) {
                    // Refuse to start rather than serve without the log an operator asked for.
                    throw new SettingsException("accessLog", "cannot write " + file.path() + ": " + describe(e));
                }
            }
        };
    }

    /** What went wrong, in words: the exception's class says more than its message for the file-system ones. */
    private static String describe(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such directory " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied on " + a.getFile();
            case java.nio.file.FileAlreadyExistsException f -> f.getFile() + " is in the way (not a directory)";
            default -> e.getMessage();
        };
    }

    @Override
    public void finished(FinishedRequest request) {
        writer.execute(() -> write(request));
    }

    private void write(FinishedRequest request) {
        if (out == null) {
            access.info(line(request));
            return;
        }
        try {
            out.write((line(request) + "\n").getBytes(StandardCharsets.UTF_8));
            if (writer.getQueue().isEmpty()) {
                out.flush(); // one flush per burst, not per line
            }
        } catch (IOException | UncheckedIOException e) {
            dropped.increment();
            log.warn("cannot write the access log: {}", e.toString());
        }
    }

    static String line(FinishedRequest request) {
        ObjectNode json = JSON.createObjectNode();
        json.put("time", request.time().truncatedTo(ChronoUnit.MILLIS).toString());
        json.put("client", request.client());
        json.put("user", request.user());
        json.put("method", request.method());
        json.put("path", request.path());
        json.put("route", request.route());
        json.put("status", request.status());
        json.put("bytes", request.bytes());
        json.put("cache", request.cacheStatus());
        json.put("upstream", request.upstream());
        json.put("durationMs", Math.round(request.durationNanos() / 100_000.0) / 10.0);
        json.put("completed", request.completed());
        try {
            return JSON.writeValueAsString(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes what is queued (for at most a few seconds), then closes a file log. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (out == null) {
            return;
        }
        try {
            out.flush();
            if (closeOut) {
                out.close();
            }
        } catch (IOException e) {
            log.warn("cannot close the access log: {}", e.toString());
        }
    }
}
