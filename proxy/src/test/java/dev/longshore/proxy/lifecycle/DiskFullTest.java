package dev.longshore.proxy.lifecycle;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.proxy.fill.FillMeter;
import dev.longshore.storage.BlobStore;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The disk fails during a fill: every client still gets the whole, correct blob (the rest streamed from the upstream),
 * nothing is cached, the error is counted, and the cache goes on serving what it has.
 */
class DiskFullTest {
    private static final int KiB = 1024;
    private static final String REPO = "team/app";

    @TempDir
    Path data;

    @Test
    void aWriteFailureMidFill_concurrentClientsStillGetTheWholeBlob_nothingIsCommitted_andHitsGoOn() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, LifecycleSettings.DEFAULTS, "a.test", upstream)) {
            Digest cached = upstream.blob(REPO, 100 * KiB, 1);
            mirror.pullBlob("a.test", REPO, cached);
            Digest big = upstream.blob(REPO, 2048 * KiB, 2);
            mirror.server.storage().blobs().setWriteHook(new BlobStore.WriteHook() {
                @Override
                public void beforeWrite(Digest digest, long position, int length) throws IOException {
                    if (position + length > 300 * KiB) {
                        throw new IOException("No space left on device");
                    }
                }
            });

            List<CompletableFuture<HttpResponse<byte[]>>> clients = Stream.of(1, 2, 3)
                    .map(i -> mirror.getAsync("/v2/" + REPO + "/blobs/" + big + "?ns=a.test")).toList();
            for (CompletableFuture<HttpResponse<byte[]>> client : clients) {
                HttpResponse<byte[]> response = client.get(30, TimeUnit.SECONDS);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(Digest.sha256Of(response.body())).isEqualTo(big);
            }
            HttpResponse<byte[]> range = mirror.get("/v2/" + REPO + "/blobs/" + big + "?ns=a.test", "Range", "bytes=1000000-1000999");
            assertThat(range.statusCode()).isEqualTo(206);
            assertThat(range.body()).isEqualTo(Arrays.copyOfRange(upstream.bytes(REPO, big), 1_000_000, 1_001_000));

            await().atMost(Duration.ofSeconds(10)).until(() -> mirror.server.fills().inFlight() == 0 && tempFiles().isEmpty());
            assertThat(mirror.cached(big)).isFalse();
            assertThat(mirror.server.storage().index().blob(big)).isEmpty();
            assertThat(mirror.server.meterRegistry().find(FillMeter.STORAGE_ERRORS.meterName()).counter().count()).isGreaterThanOrEqualTo(1);
            HttpResponse<byte[]> hit = mirror.get("/v2/" + REPO + "/blobs/" + cached + "?ns=a.test");
            assertThat(hit.headers().firstValue("Cache-Status").orElse("")).contains("hit");
            assertThat(Digest.sha256Of(hit.body())).isEqualTo(cached);

            // Once the disk works again, the blob is cached as usual.
            mirror.server.storage().blobs().setWriteHook(null);
            mirror.pullBlob("a.test", REPO, big);
            assertThat(mirror.cached(big)).isTrue();
        }
    }

    @Test
    void aCommitFailure_afterTheWholeBodyArrived_stillServesItWhole_andCommitsNothing() throws Exception {
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(data, LifecycleSettings.DEFAULTS, "a.test", upstream)) {
            Digest blob = upstream.blob(REPO, 500 * KiB, 3);
            mirror.server.storage().blobs().setWriteHook(new BlobStore.WriteHook() {
                @Override
                public void beforeCommit(Digest digest) throws IOException {
                    throw new IOException("Input/output error");
                }
            });

            HttpResponse<byte[]> response = mirror.get("/v2/" + REPO + "/blobs/" + blob + "?ns=a.test");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Digest.sha256Of(response.body())).isEqualTo(blob);
            await().atMost(Duration.ofSeconds(10)).until(() -> mirror.server.fills().inFlight() == 0 && tempFiles().isEmpty());
            assertThat(mirror.cached(blob)).isFalse();
            assertThat(upstream.blobGets(blob)).as("the body was in the temp file: no second download").isEqualTo(1);
        }
    }

    @Test
    void aRealFullDisk_aSmallTmpfs_servesTheBlobWholeFromTheUpstream() throws Exception {
        Path mount = data.resolve("tmpfs");
        Files.createDirectories(mount);
        Process mounting = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        assumeThat(mounting.waitFor(10, TimeUnit.SECONDS) && mounting.exitValue() == 0)
                .as("mounting a tmpfs needs root").isTrue();
        try (FakeRegistry upstream = new FakeRegistry();
             LifecycleMirror mirror = LifecycleMirror.start(mount, LifecycleSettings.DEFAULTS, "a.test", upstream)) {
            Digest small = upstream.blob(REPO, 64 * KiB, 4);
            mirror.pullBlob("a.test", REPO, small);
            long free = Files.getFileStore(mount).getUsableSpace();
            Digest tooBig = upstream.blob(REPO, (int) free + 1024 * KiB, 5);

            HttpResponse<byte[]> response = mirror.get("/v2/" + REPO + "/blobs/" + tooBig + "?ns=a.test");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Digest.sha256Of(response.body())).isEqualTo(tooBig);
            await().atMost(Duration.ofSeconds(10)).until(() -> mirror.server.fills().inFlight() == 0);
            assertThat(mirror.cached(tooBig)).isFalse();
            assertThat(mirror.server.meterRegistry().find(FillMeter.STORAGE_ERRORS.meterName()).counter().count()).isEqualTo(1);
            HttpResponse<byte[]> hit = mirror.get("/v2/" + REPO + "/blobs/" + small + "?ns=a.test");
            assertThat(Digest.sha256Of(hit.body())).isEqualTo(small);
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private List<Path> tempFiles() throws IOException {
        try (Stream<Path> files = Files.list(new StorageLayout(data).tmpDir())) {
            return files.toList();
        }
    }
}
