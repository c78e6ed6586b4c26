package dev.longshore.proxy.lifecycle;

import dev.longshore.proxy.testing.ChildLongshore;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.StorageLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Longshore in its own JVM, under fill-heavy load with a budget small enough that it evicts all the time, killed
 * with SIGKILL at a random moment, 20 times over the same data dir. After every kill, {@code verify} finds the index
 * and the files in agreement and every blob whole, and no temp file survives the next start.
 */
class KillLoopTest {
    private static final int ROUNDS = 20;
    private static final int BLOBS = 80;
    private static final int BLOB_SIZE = 48 * 1024;
    private static final String REPO = "team/app";

    @TempDir
    Path data;
    @TempDir
    Path logs;

    @Test
    void killedAtRandomMomentsUnderLoad_twentyTimes_verifyIsCleanAfterEveryKill() throws Exception {
        Random random = new Random(20);
        int served = 0;
        try (FakeRegistry upstream = new FakeRegistry()) {
            List<Digest> blobs = new ArrayList<>();
            for (int i = 0; i < BLOBS; i++) {
                blobs.add(upstream.blob(REPO, BLOB_SIZE, i));
            }
            for (int round = 0; round < ROUNDS; round++) {
                Path log = logs.resolve("round-" + round + ".log");
                Process child = startChild(upstream, log);
                try {
                    int port = ChildLongshore.awaitPort(child, log);
                    served += loadThenKill(child, port, blobs, random.nextInt(500), random.nextLong());
                } finally {
                    child.destroyForcibly();
                    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
                }

                try (CacheStorage storage = CacheStorage.open(data)) {
                    assertThat(tempFiles()).as("round %d: temp files after a start", round).isEmpty();
                    Verifier.Report report = new Verifier(storage).run();
                    assertThat(report.findings()).as("round %d: verify after the kill", round).isEmpty();
                }
            }
        }
        assertThat(served).as("blobs served whole across all rounds").isGreaterThanOrEqualTo(ROUNDS);
    }

    /**
     * Clients pull random blobs; once the first is served whole (so the server is under load, not starting), the kill
     * lands {@code killAfterMillis} later. Returns how many blobs the clients got whole.
     */
    private static int loadThenKill(Process child, int port, List<Digest> blobs, int killAfterMillis, long seed) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger whole = new AtomicInteger();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < 4; c++) {
                Random random = new Random(seed + c);
                clients.execute(() -> {
                    while (!killed.get()) {
                        Digest digest = blobs.get(random.nextInt(blobs.size()));
                        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/" + REPO + "/blobs/" + digest))
                                .timeout(Duration.ofSeconds(5)).build();
                        try {
                            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            if (response.statusCode() == 200 && Digest.sha256Of(response.body()).equals(digest)) {
                                whole.incrementAndGet();
                            }
                        } catch (IOException e) {
                            // the kill cut this request off
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
            }
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() -> whole.get() > 0);
            // The random moment: a sleep is the point here, not a wait for something.
            Thread.sleep(killAfterMillis);
            ProcessHandle.of(child.pid()).orElseThrow().destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            killed.set(true);
        }
        return whole.get();
    }

    private List<Path> tempFiles() throws IOException {
        try (Stream<Path> files = Files.list(new StorageLayout(data).tmpDir())) {
            return files.toList();
        }
    }

    private Process startChild(FakeRegistry upstream, Path log) throws IOException {
        // The class-data archive is written by the first round and makes the other 19 start faster.
        return ChildLongshore.start(List.of("-Xmx192m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                        "-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + logs.resolve("longshore.jsa")),
                List.of("--admin-listen", "off", "--access-log", "off", "--data", data.toString(),
                        "--upstream", "registry.test=" + upstream.url(), "--max-size", "1MiB"), log);
    }

}
