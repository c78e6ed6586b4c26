package dev.longshore.proxy.fill;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.longshore.proxy.fill.FillHarness.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A Longshore killed with SIGKILL in the middle of a fill leaves nothing behind that a restart could mistake for the blob. */
class FillCrashTest {
    private static final int MiB = 1024 * 1024;
    private static final Pattern LISTENING = Pattern.compile("Longshore listening on /127\\.0\\.0\\.1:(\\d+)");

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
                int port = awaitPort(child, log);
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

    /** {@code java -cp <the test class path> dev.longshore.proxy.Main serve ...}: the real main, in its own JVM. */
    private Process startChild(FakeBlobUpstream upstream, Path log) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-cp", classPath, "dev.longshore.proxy.Main", "serve",
                "--listen", "127.0.0.1:0", "--data", data.toString(), "--upstream", "registry.test=" + upstream.url()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static int awaitPort(Process child, Path log) {
        int[] port = {0};
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (!child.isAlive()) {
                throw new AssertionError("Longshore exited with " + child.exitValue() + ":\n" + Files.readString(log));
            }
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                port[0] = Integer.parseInt(m.group(1));
                return true;
            }
            return false;
        });
        return port[0];
    }
}
