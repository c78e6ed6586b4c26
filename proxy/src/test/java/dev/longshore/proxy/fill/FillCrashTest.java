package dev.longshore.proxy.fill;

import dev.longshore.proxy.testing.ChildLongshore;
import dev.longshore.proxy.LongshoreServer;
import dev.longshore.proxy.fill.RawClient.Body;
import dev.longshore.storage.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.longshore.proxy.fill.FillHarness.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A Longshore killed with SIGKILL in the middle of a fill leaves nothing behind that a restart could mistake for the blob. */
class FillCrashTest {
    private static final int MiB = 1024 * 1024;

    @TempDir
    Path data;
    @TempDir
    Path logs;

    @Test
    void killedMidFill_restarted_leavesNoTempFileNoIndexEntry_andTheNextGetFetchesTheBlobWhole() throws Exception {
        byte[] blob = randomBytes(16 * MiB, 70);
        Digest digest = Digest.sha256Of(blob);
        try (FakeBlobUpstream upstream = new FakeBlobUpstream()) {
            // Slow enough that the kill lands mid-fill; the restart's GET takes the second answer.
            upstream.then(FakeBlobUpstream.blob(blob, 2 * MiB)).then(FakeBlobUpstream.blob(blob));

            Path log = logs.resolve("longshore.log");
            Process child = startChild(upstream, log);
            try {
                int port = ChildLongshore.awaitPort(child, log);
                CompletableFuture<Body> client = CompletableFuture.supplyAsync(() -> {
                    try (RawClient get = RawClient.get(port, FillHarness.blobPath(digest))) {
                        return get.readAll();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                // Mid-fill: a temp file with some of the blob in it.
                await().atMost(Duration.ofSeconds(15)).until(() -> FillHarness.tempFiles(data).stream().anyMatch(FillCrashTest::hasBytes));

                ProcessHandle.of(child.pid()).orElseThrow().destroyForcibly(); // SIGKILL: no shutdown hook runs
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(client.get(10, TimeUnit.SECONDS).complete()).isFalse();
            } finally {
                child.destroyForcibly();
            }
            assertThat(FillHarness.tempFiles(data)).as("the killed fill's temp file, before the restart").isNotEmpty();

            try (LongshoreServer restarted = LongshoreServer.start(FillHarness.settings(data, upstream, Duration.ofSeconds(10)),
                    Clock.systemUTC(), FillLimits.DEFAULTS)) {
                assertThat(FillHarness.tempFiles(data)).isEmpty();
                assertThat(restarted.storage().index().blob(digest)).isEmpty();
                assertThat(restarted.storage().findBlob(digest)).isEmpty();

                try (RawClient get = RawClient.get(restarted.address().getPort(), FillHarness.blobPath(digest))) {
                    Body body = get.readAll();
                    assertThat(body.complete()).isTrue();
                    assertThat(body.sha256()).isEqualTo(digest.hex());
                }
                List<FakeBlobUpstream.Request> gets = upstream.gets();
                assertThat(gets).hasSize(2);
                assertThat(gets.get(1).range()).as("the restart fetches the blob whole, not a resume").isNull();
                await().atMost(Duration.ofSeconds(10)).until(() -> restarted.storage().index().blob(digest).isPresent());
            }
        }
    }

    private static boolean hasBytes(Path file) {
        try {
            return Files.size(file) > MiB;
        } catch (IOException e) {
            return false; // committed or deleted meanwhile
        }
    }

    private Process startChild(FakeBlobUpstream upstream, Path log) throws IOException {
        return ChildLongshore.start(List.of("-Xmx256m"),
                List.of("--data", data.toString(), "--upstream", "registry.test=" + upstream.url()), log);
    }

}
