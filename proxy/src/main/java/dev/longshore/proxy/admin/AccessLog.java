package dev.longshore.proxy.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
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
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
 * <p>An event loop only puts the finished request in a bounded queue: no thread is woken per request, because a
 * wake-up and a write per line cost a warm manifest request a fifth of its time. A thread of its own takes what has
 * queued every {@value #DRAIN_MILLIS} ms, formats it, and writes it with one write: one logger event of up to
 * {@value #BATCH_LINES} lines on standard output, one flush on a file. If the log falls more than
 * {@value #QUEUE_LINES} lines behind (a stalled disk or pipe), further lines are dropped and counted in
 * {@link ServerMeter#ACCESS_LOG_DROPPED} rather than slowing every client down.
 */
public final class AccessLog implements RequestObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    /** The logger standard output lines go through. */
    public static final String LOGGER = "longshore.access";
    private static final Logger access = LoggerFactory.getLogger(LOGGER);
    private static final JsonFactory JSON = new JsonFactory();
    static final int QUEUE_LINES = 10_000;
    static final int BATCH_LINES = 64;
    static final long DRAIN_MILLIS = 5;

    /** The file's stream; null for standard output, which goes through {@link #LOGGER}. */
    private final OutputStream out;
    private final boolean closeOut;
    private final ArrayBlockingQueue<FinishedRequest> queue = new ArrayBlockingQueue<>(QUEUE_LINES);
    private final Counter dropped;
    private final Thread writer;
    private volatile boolean closing;

    private AccessLog(OutputStream out, boolean closeOut, MeterRegistry registry) {
        this.out = out;
        this.closeOut = closeOut;
        this.dropped = ServerMeter.ACCESS_LOG_DROPPED.counter(registry);
        this.writer = new DefaultThreadFactory("longshore-access-log", true).newThread(this::writeUntilClosed);
        writer.start();
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
        if (!queue.offer(request)) {
            dropped.increment();
        }
    }

    private void writeUntilClosed() {
        List<FinishedRequest> batch = new ArrayList<>(BATCH_LINES);
        while (true) {
            boolean last = closing;
            while (queue.drainTo(batch, BATCH_LINES) > 0) {
                write(batch);
                batch.clear();
            }
            if (last) {
                return;
            }
            // Polling, not waiting on the queue, is what keeps the event loops from waking this thread per request.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS));
        }
    }

    private void write(List<FinishedRequest> batch) {
        try {
            StringWriter lines = new StringWriter(batch.size() * 256);
            try (JsonGenerator json = JSON.createGenerator(lines)) {
                json.setRootValueSeparator(new SerializedString("\n"));
                for (FinishedRequest request : batch) {
                    line(request, json);
                }
            }
            if (out == null) {
                access.info(lines.toString());
                return;
            }
            lines.write('\n');
            out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | RuntimeException e) {
            dropped.increment(batch.size());
            log.warn("cannot write the access log: {}", e.toString());
        }
    }

    /** One request's line, as {@link #write} writes it. */
    static String line(FinishedRequest request) {
        StringWriter line = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(line)) {
            line(request, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return line.toString();
    }

    private static void line(FinishedRequest request, JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("time", request.time().truncatedTo(ChronoUnit.MILLIS).toString());
        json.writeStringField("client", request.client());
        json.writeStringField("user", request.user());
        json.writeStringField("method", request.method());
        json.writeStringField("path", request.path());
        json.writeStringField("route", request.route());
        json.writeNumberField("status", request.status());
        json.writeNumberField("bytes", request.bytes());
        json.writeStringField("cache", request.cacheStatus());
        json.writeStringField("upstream", request.upstream());
        json.writeNumberField("durationMs", Math.round(request.durationNanos() / 100_000.0) / 10.0);
        json.writeBooleanField("completed", request.completed());
        json.writeEndObject();
    }

    /** Writes what is queued (waiting at most a few seconds for it), then closes a file log. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (out == null) {
            return;
        }
        try {
            if (closeOut) {
                out.close();
            }
        } catch (IOException e) {
            log.warn("cannot close the access log: {}", e.toString());
        }
    }
}
