package dev.longshore.proxy.fill;

import dev.longshore.proxy.testing.LeakWatcher;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longshore.proxy.fill.FakeBlobUpstream.Request;
import dev.longshore.proxy.fill.RawClient.Body;
import dev.longshore.storage.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.longshore.proxy.fill.FillHarness.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a fill does when the upstream misbehaves: resets, stalls, ignores Range, sends the wrong bytes. The invariant
 * under all of them: no client takes a short or wrong body for a complete one, nothing unverified is cached, and the
 * entry is freed so the next request starts afresh.
 */
@ExtendWith(LeakWatcher.class)
class FillFailureTest {
    private static final int MiB = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short waits so that a test of the whole resume budget takes well under a second of backoff. */
    private static final FillLimits QUICK_RESUMES = new FillLimits(Duration.ofSeconds(30), 3, Duration.ofMillis(20));

    @TempDir
    Path data;
    private FillHarness harness;
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() throws Exception {
        clients.shutdownNow();
        if (harness != null) {
            harness.close();
        }
    }

    private void start(FillLimits limits, Duration readTimeout) throws Exception {
        harness = FillHarness.start(data, limits, readTimeout);
    }

    private CompletableFuture<Body> getInBackground(Digest digest) {
        return CompletableFuture.supplyAsync(() -> {
            try (RawClient client = harness.get(digest)) {
                return client.readAll();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, clients);
    }

    /** Nothing of the blob is anywhere: no file, no index entry, no temp file, no fill in flight. */
    private void assertNothingKept(Digest digest) throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> harness.longshore.fills().inFlight() == 0);
        assertThat(harness.longshore.storage().findBlob(digest)).isEmpty();
        assertThat(harness.longshore.storage().index().blob(digest)).isEmpty();
        assertThat(harness.tempFiles()).isEmpty();
    }

    private void assertFetchedAnewWhole(Digest digest) throws Exception {
        int before = harness.upstream.gets().size();
        try (RawClient client = harness.get(digest)) {
            assertThat(client.status()).isEqualTo(200);
            Body body = client.readAll();
            assertThat(body.complete()).isTrue();
            assertThat(body.sha256()).isEqualTo(digest.hex());
        }
        List<Request> gets = harness.upstream.gets();
        assertThat(gets).hasSize(before + 1);
        assertThat(gets.getLast().range()).isNull();
    }

    @Test
    void get_upstreamResetsAtHalf_fillResumesWithRange_andCommits() throws Exception {
        start(QUICK_RESUMES, Duration.ofSeconds(10));
        byte[] blob = randomBytes(4 * MiB, 50);
        Digest digest = Digest.sha256Of(blob);
        // Paced, so that Longshore has read about half when the reset comes (a reset drops what is still unread).
        harness.upstream.then(FakeBlobUpstream.resetAfter(blob, blob.length / 2, 16 * MiB)).then(FakeBlobUpstream.blob(blob));

        Body body;
        try (RawClient client = harness.get(digest)) {
            assertThat(client.status()).isEqualTo(200);
            body = client.readAll();
        }

        assertThat(body.complete()).isTrue();
        assertThat(body.sha256()).isEqualTo(digest.hex());
        List<Request> gets = harness.upstream.gets();
        assertThat(gets).hasSize(2);
        assertThat(gets.get(0).range()).isNull();
        // From the bytes already written: close to half, at most what was sent before the reset.
        assertThat(gets.get(1).range()).matches("bytes=\\d+-");
        long resumedFrom = Long.parseLong(gets.get(1).range().replaceAll("\\D", ""));
        assertThat(resumedFrom).isGreaterThan(blob.length / 4).isLessThanOrEqualTo(blob.length / 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> harness.count(FillMeter.COMMITTED) == 1);
        assertThat(harness.count(FillMeter.RESUMED)).isEqualTo(1);
        assertThat(harness.longshore.storage().findBlob(digest)).isPresent();
        assertThat(harness.tempFiles()).isEmpty();
    }

    @Test
    void get_upstreamIgnoresRangeOnResume_fillSkipsWhatItHas_andTheDigestStillVerifies() throws Exception {
        start(QUICK_RESUMES, Duration.ofSeconds(10));
        byte[] blob = randomBytes(4 * MiB, 51);
        Digest digest = Digest.sha256Of(blob);
        harness.upstream.then(FakeBlobUpstream.resetAfter(blob, blob.length / 2)).then(FakeBlobUpstream.ignoringRange(blob));

        try (RawClient client = harness.get(digest)) {
            Body body = client.readAll();
            assertThat(body.complete()).isTrue();
            assertThat(body.sha256()).isEqualTo(digest.hex());
        }
        assertThat(harness.upstream.gets().get(1).range()).startsWith("bytes=");
        await().atMost(Duration.ofSeconds(5)).until(() -> harness.count(FillMeter.COMMITTED) == 1);
        assertThat(harness.longshore.storage().findBlob(digest)).isPresent();
    }

    @Test
    void get_resumingFailsToo_nothingPartialIsCommittedOrServed_andLaterRequestsStartAfresh() throws Exception {
        start(QUICK_RESUMES, Duration.ofSeconds(10));
        byte[] blob = randomBytes(4 * MiB, 52);
        Digest digest = Digest.sha256Of(blob);
        harness.upstream.then(FakeBlobUpstream.resetAfter(blob, blob.length / 2));
        for (int i = 0; i < QUICK_RESUMES.maxResumes(); i++) {
            harness.upstream.then(FakeBlobUpstream.resetAfter(blob, 64 * 1024));
        }
        harness.upstream.then(FakeBlobUpstream.status(404)); // the HEAD below
        harness.upstream.then(FakeBlobUpstream.blob(blob));   // the GET after it

        try (RawClient client = harness.get(digest)) {
            assertThat(client.status()).isEqualTo(200);
            Body body = client.readAll();
            assertThat(body.complete()).isFalse();
            assertThat(body.bytes()).isLessThan(blob.length);
        }

        assertNothingKept(digest);
        assertThat(harness.upstream.gets()).hasSize(1 + QUICK_RESUMES.maxResumes());
        assertThat(harness.count(FillMeter.RESUMED)).isEqualTo(QUICK_RESUMES.maxResumes());
        assertThat(harness.failed(FillFailure.TRUNCATED)).isEqualTo(1);
        assertThat(harness.count(FillMeter.COMMITTED)).isZero();
        try (RawClient head = RawClient.head(harness.port(), FillHarness.blobPath(digest))) {
            assertThat(head.status()).isEqualTo(404); // asked the upstream, not the dead fill
        }
        assertFetchedAnewWhole(digest);
    }

    @Test
    void get_upstreamSendsWrongBytesOfTheRightLength_noClientGetsACompleteBody_andNothingIsCached() throws Exception {
        start(QUICK_RESUMES, Duration.ofSeconds(10));
        byte[] served = randomBytes(4 * MiB, 53);
        Digest claimed = Digest.sha256Of(randomBytes(4 * MiB, 54));
        harness.upstream.then(FakeBlobUpstream.blob(served, 8 * MiB)).then(FakeBlobUpstream.blob(served, 8 * MiB));

        CompletableFuture<Body> first = getInBackground(claimed);
        CompletableFuture<Body> second = getInBackground(claimed);
        for (Body body : List.of(first.get(20, TimeUnit.SECONDS), second.get(20, TimeUnit.SECONDS))) {
            assertThat(body.status()).isEqualTo(200);
            assertThat(body.complete()).isFalse();
            assertThat(body.bytes()).isLessThan(served.length);
        }
        assertThat(harness.upstream.gets()).hasSize(1);
        assertNothingKept(claimed);
        assertThat(harness.failed(FillFailure.DIGEST_MISMATCH)).isEqualTo(1);

        // The next request starts a fresh fill, which fails the same way.
        try (RawClient again = harness.get(claimed)) {
            assertThat(again.readAll().complete()).isFalse();
        }
        assertThat(harness.upstream.gets()).hasSize(2);
        assertNothingKept(claimed);
    }

    @Test
    void get_upstreamStallsBeforeHeaders_clientsGet502Json_andTheFillTimeoutFreesTheEntry() throws Exception {
        // A read timeout far beyond the fill timeout: it is the fill timeout that must act.
        start(new FillLimits(Duration.ofMillis(1500), 3, Duration.ofMillis(20)), Duration.ofSeconds(60));
        byte[] blob = randomBytes(MiB, 55);
        Digest digest = Digest.sha256Of(blob);
        harness.upstream.then(FakeBlobUpstream.stallBeforeHead()).then(FakeBlobUpstream.blob(blob));

        long started = System.nanoTime();
        List<CompletableFuture<String>> errors = List.of(errorInBackground(digest), errorInBackground(digest));
        for (CompletableFuture<String> error : errors) {
            JsonNode first = JSON.readTree(error.get(20, TimeUnit.SECONDS)).get("errors").get(0);
            assertThat(first.get("code").asText()).isEqualTo("UPSTREAM_UNAVAILABLE");
            assertThat(first.get("detail").asText()).contains("did not finish within");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertNothingKept(digest);
        assertThat(harness.failed(FillFailure.TIMEOUT)).isEqualTo(1);
        assertFetchedAnewWhole(digest);
    }

    @Test
    void clientsThatLeaveWhileTheUpstreamIsSlowToAnswer_holdNoFileDescriptors() throws Exception {
        Path openFiles = Path.of("/proc/self/fd");
        assumeTrue(Files.isDirectory(openFiles), "counts this process's open files through /proc");
        start(new FillLimits(Duration.ofSeconds(60), 3, Duration.ofMillis(20)), Duration.ofSeconds(60));
        Digest digest = Digest.sha256Of(randomBytes(MiB, 57));
        harness.upstream.then(FakeBlobUpstream.stallBeforeHead());
        int clientCount = 200;
        long before = countEntries(openFiles);

        // Each client asks for the blob and hangs up without waiting: a fill's follower must cost the server a count
        // on the fill's one file handle, not a file of its own kept until the upstream answers (a minute, here).
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < clientCount; i++) {
                Socket socket = new Socket("127.0.0.1", harness.port());
                socket.getOutputStream().write(("GET " + FillHarness.blobPath(digest) + " HTTP/1.1\r\nHost: longshore\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sockets.add(socket);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> harness.count(FillMeter.READERS_JOINED) == clientCount - 1);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(countEntries(openFiles)).as("open files after the clients left").isLessThan(before + 20));
        assertThat(harness.longshore.fills().inFlight()).as("the fill goes on without them").isEqualTo(1);
    }

    private static long countEntries(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.count();
        }
    }

    @Test
    void shutdown_whileAClientWaitsOnAStalledUpstream_answersIt503_notAnEmptyReply() throws Exception {
        start(new FillLimits(Duration.ofSeconds(60), 3, Duration.ofMillis(20)), Duration.ofSeconds(60));
        Digest digest = Digest.sha256Of(randomBytes(MiB, 56));
        harness.upstream.then(FakeBlobUpstream.stallBeforeHead());

        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try (RawClient client = harness.get(digest)) {
                return client.status() + " " + client.readText();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, clients);
        await().atMost(Duration.ofSeconds(5)).until(() -> !harness.upstream.gets().isEmpty());

        harness.close(); // what SIGTERM does: the drain time runs out with the request still waiting
        assertThat(answer.get(10, TimeUnit.SECONDS)).startsWith("503 ").contains("\"code\":\"SHUTTING_DOWN\"");
    }

    private CompletableFuture<String> errorInBackground(Digest digest) {
        return CompletableFuture.supplyAsync(() -> {
            try (RawClient client = harness.get(digest)) {
                assertThat(client.status()).isEqualTo(502);
                assertThat(client.header("Content-Type")).startsWith("application/json");
                return client.readText();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, clients);
    }

    @Test
    void get_upstreamStallsMidBody_clientsAreCutOffShort_andTheFillTimeoutFreesTheEntry() throws Exception {
        start(new FillLimits(Duration.ofMillis(1500), 3, Duration.ofMillis(20)), Duration.ofSeconds(60));
        byte[] blob = randomBytes(4 * MiB, 56);
        Digest digest = Digest.sha256Of(blob);
        harness.upstream.then(FakeBlobUpstream.stallAfter(blob, MiB)).then(FakeBlobUpstream.blob(blob));

        long started = System.nanoTime();
        try (RawClient client = harness.get(digest)) {
            assertThat(client.status()).isEqualTo(200);
            Body body = client.readAll(); // ends when Longshore cuts it off, not at the client's read timeout
            assertThat(body.complete()).isFalse();
            assertThat(body.bytes()).isLessThanOrEqualTo(MiB);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertNothingKept(digest);
        assertThat(harness.failed(FillFailure.TIMEOUT)).isEqualTo(1);
        assertFetchedAnewWhole(digest);
    }

    @Test
    void get_upstreamGoesSilentMidBody_theReadTimeoutEndsTheAttempt_andTheFillResumes() throws Exception {
        start(QUICK_RESUMES, Duration.ofMillis(500));
        byte[] blob = randomBytes(4 * MiB, 57);
        Digest digest = Digest.sha256Of(blob);
        harness.upstream.then(FakeBlobUpstream.stallAfter(blob, blob.length / 2)).then(FakeBlobUpstream.blob(blob));

        try (RawClient client = harness.get(digest)) {
            Body body = client.readAll();
            assertThat(body.complete()).isTrue();
            assertThat(body.sha256()).isEqualTo(digest.hex());
        }
        assertThat(harness.upstream.gets()).hasSize(2);
        assertThat(harness.upstream.gets().get(1).range()).isEqualTo("bytes=" + blob.length / 2 + "-");
        await().atMost(Duration.ofSeconds(5)).until(() -> harness.count(FillMeter.COMMITTED) == 1);
    }

    @Test
    void get_upstreamAnswers404_isBlobUnknown_andIsNotRetried() throws Exception {
        start(QUICK_RESUMES, Duration.ofSeconds(10));
        Digest digest = Digest.sha256Of(randomBytes(1024, 58));
        harness.upstream.then(FakeBlobUpstream.status(404));

        try (RawClient client = harness.get(digest)) {
            assertThat(client.status()).isEqualTo(404);
            assertThat(JSON.readTree(client.readText()).get("errors").get(0).get("code").asText()).isEqualTo("BLOB_UNKNOWN");
        }
        assertThat(harness.upstream.gets()).hasSize(1);
        assertNothingKept(digest);
        assertThat(harness.failed(FillFailure.UPSTREAM_STATUS)).isEqualTo(1);
    }
}
