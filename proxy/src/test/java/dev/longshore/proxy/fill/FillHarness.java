package dev.longshore.proxy.fill;

import dev.longshore.config.HostPort;
import dev.longshore.config.Settings;
import dev.longshore.config.UpstreamSettings;
import dev.longshore.proxy.LongshoreServer;
import dev.longshore.storage.Digest;
import dev.longshore.storage.StorageLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/** A Longshore in this JVM whose only upstream is a {@link FakeBlobUpstream}, plus what the fill tests look at. */
final class FillHarness implements AutoCloseable {
    static final String REPOSITORY = "team/app";

    final FakeBlobUpstream upstream;
    final LongshoreServer longshore;
    final Path data;

    private FillHarness(FakeBlobUpstream upstream, LongshoreServer longshore, Path data) {
        this.upstream = upstream;
        this.longshore = longshore;
        this.data = data;
    }

    /** @param readTimeout the upstream client's read timeout: how long one silence may last */
    static FillHarness start(Path data, FillLimits limits, Duration readTimeout) throws Exception {
        FakeBlobUpstream upstream = new FakeBlobUpstream();
        try {
            LongshoreServer longshore = LongshoreServer.start(settings(data, upstream, readTimeout), Clock.systemUTC(), limits);
            return new FillHarness(upstream, longshore, data);
        } catch (Exception | Error e) {
            upstream.close();
            throw e;
        }
    }

    static Settings settings(Path data, FakeBlobUpstream upstream, Duration readTimeout) {
        return new Settings(new HostPort("127.0.0.1", 0), data, List.of(new UpstreamSettings("registry.test", upstream.url(),
                Optional.empty(), Duration.ofSeconds(2), readTimeout)));
    }

    int port() {
        return longshore.address().getPort();
    }

    static String blobPath(Digest digest) {
        return "/v2/" + REPOSITORY + "/blobs/" + digest;
    }

    RawClient get(Digest digest, String... headers) throws IOException {
        return RawClient.get(port(), blobPath(digest), headers);
    }

    double count(FillMeter meter) {
        var counter = longshore.meterRegistry().find(meter.meterName()).counter();
        return counter == null ? 0 : counter.count();
    }

    double failed(FillFailure cause) {
        var counter = longshore.meterRegistry().find(FillMeter.FAILED.meterName()).tag("cause", cause.tag()).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Fill temp files left in the data dir. */
    List<Path> tempFiles() throws IOException {
        return tempFiles(data);
    }

    static List<Path> tempFiles(Path data) throws IOException {
        Path tmp = new StorageLayout(data).tmpDir();
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(tmp)) {
            return files.toList();
        }
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Override
    public void close() throws IOException {
        try {
            longshore.close();
        } finally {
            upstream.close();
        }
    }
}
