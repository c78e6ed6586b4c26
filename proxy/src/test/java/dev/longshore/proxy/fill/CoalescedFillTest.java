package dev.longshore.proxy.fill;

import dev.longshore.proxy.testing.LeakWatcher;
import dev.longshore.proxy.fill.RawClient.Body;
import dev.longshore.storage.Digest;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.longshore.proxy.fill.FillHarness.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One upstream download per blob, however many clients want it, and every client streams from it as it lands:
 * the normal path of a fill, under load, with clients that leave or dawdle.
 */
@ExtendWith(LeakWatcher.class)
class CoalescedFillTest {
    private static final int MiB = 1024 * 1024;

    @TempDir
    Path data;
    private FillHarness harness;

    @BeforeEach
    void start() throws Exception {
        harness = FillHarness.start(data, new FillLimits(Duration.ofSeconds(60), 3, Duration.ofMillis(50)), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    @Test
    void get_32ConcurrentColdMisses_makeOneUpstreamGet_andEveryClientStreamsBeforeTheFillEnds() throws Exception {
        byte[] blob = randomBytes(64 * MiB, 32);
        Digest digest = Digest.sha256Of(blob);
        // Throttled so that the fill takes a few seconds and all 32 clients overlap with it.
        harness.upstream.then(FakeBlobUpstream.blob(blob, 24 * MiB));

        int clients = 32;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Body>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    try (RawClient client = harness.get(digest)) {
                        return client.readAll();
                    }
                }));
            }
            long start = System.nanoTime();
            go.countDown();
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(10))
                    .until(() -> harness.count(FillMeter.COMMITTED) == 1);
            long committed = System.nanoTime();
            List<Body> bodies = new ArrayList<>();
            for (Future<Body> future : futures) {
                bodies.add(future.get(45, TimeUnit.SECONDS));
            }
            System.out.printf("32 clients: upstream body done after %d ms, fill committed after %d ms, first bytes within %d ms,"
                            + " last client done after %d ms%n",
                    (harness.upstream.lastBodyByteNanos() - start) / 1_000_000, (committed - start) / 1_000_000,
                    (bodies.stream().mapToLong(Body::firstByteNanos).max().orElseThrow() - start) / 1_000_000,
                    (bodies.stream().mapToLong(Body::endNanos).max().orElseThrow() - start) / 1_000_000);

            assertThat(harness.upstream.gets()).hasSize(1);
            long fillEnd = harness.upstream.lastBodyByteNanos(); // the fill cannot end before its last byte arrived
            assertThat(bodies).allSatisfy(body -> {
                assertThat(body.status()).isEqualTo(200);
                assertThat(body.complete()).isTrue();
                assertThat(body.sha256()).isEqualTo(digest.hex());
                assertThat(body.firstByteNanos()).isLessThan(fillEnd);
            });
            assertThat(harness.count(FillMeter.STARTED)).isEqualTo(1);
            assertThat(harness.count(FillMeter.READERS_JOINED)).isEqualTo(clients - 1);
            assertThat(harness.count(FillMeter.COMMITTED)).isEqualTo(1);
            assertThat(harness.count(FillMeter.UPSTREAM_BYTES)).isEqualTo(blob.length);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void get_clientAbortsAfterTenPercent_fillStillCommits_andTheNextGetIsAHit() throws Exception {
        byte[] blob = randomBytes(8 * MiB, 10);
        Digest digest = Digest.sha256Of(blob);
        harness.upstream.then(FakeBlobUpstream.blob(blob, 8 * MiB));

        try (RawClient client = harness.get(digest)) {
            assertThat(client.status()).isEqualTo(200);
            assertThat(client.read(blob.length / 10, 0).bytes()).isEqualTo(blob.length / 10);
        } // gone, with 90% of the blob still to come

        await().atMost(Duration.ofSeconds(15)).until(() -> harness.count(FillMeter.COMMITTED) == 1);
        assertThat(harness.longshore.fills().inFlight()).isZero();
        try (RawClient again = harness.get(digest)) {
            assertThat(again.header("Cache-Status")).isEqualTo("Longshore; hit");
            Body body = again.readAll();
            assertThat(body.complete()).isTrue();
            assertThat(body.sha256()).isEqualTo(digest.hex());
        }
        assertThat(harness.upstream.gets()).hasSize(1);
    }

    @Test
    void rangeGet_duringAFill_isAnsweredFromTheGrowingFile() throws Exception {
        byte[] blob = randomBytes(4 * MiB, 11);
        Digest digest = Digest.sha256Of(blob);
        harness.upstream.then(FakeBlobUpstream.blob(blob, 4 * MiB));

        try (RawClient first = harness.get(digest);
             RawClient ranged = harness.get(digest, "Range", "bytes=1048576-1049599")) {
            assertThat(first.status()).isEqualTo(200);
            assertThat(ranged.status()).isEqualTo(206);
            assertThat(ranged.header("Content-Range")).isEqualTo("bytes 1048576-1049599/" + blob.length);
            assertThat(ranged.header("Cache-Status")).isEqualTo("Longshore; fwd=miss; collapsed");
            Body part = ranged.readAll();
            assertThat(part.complete()).isTrue();
            assertThat(part.sha256()).isEqualTo(Digest.sha256Of(Arrays.copyOfRange(blob, 1048576, 1049600)).hex());
            assertThat(first.readAll().sha256()).isEqualTo(digest.hex());
        }
        assertThat(harness.upstream.gets()).hasSize(1);
    }

    @Test
    void get_64SlowReaders_doNotSlowAFastOne_andMemoryStaysBounded() throws Exception {
        int blobSize = 32 * MiB;
        long upstreamRate = 32L * MiB;
        byte[] alone = randomBytes(blobSize, 64);
        byte[] shared = randomBytes(blobSize, 65);
        Digest aloneDigest = Digest.sha256Of(alone);
        Digest sharedDigest = Digest.sha256Of(shared);
        harness.upstream.then(FakeBlobUpstream.blob(alone, upstreamRate)).then(FakeBlobUpstream.blob(shared, upstreamRate));

        // The yardstick: one fast client on a cold blob of the same size, with nobody else around.
        long startAlone = System.nanoTime();
        try (RawClient client = harness.get(aloneDigest)) {
            assertThat(client.readAll().sha256()).isEqualTo(aloneDigest.hex());
        }
        long aloneNanos = System.nanoTime() - startAlone;

        AtomicLong maxDirect = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            var metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
            while (sampling.get()) {
                maxDirect.accumulateAndGet(metric.usedDirectMemory(), Math::max);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // a sampling period, not a wait
            }
        });

        int slowClients = 64;
        CountDownLatch slowAttached = new CountDownLatch(slowClients);
        CountDownLatch release = new CountDownLatch(1);
        List<Future<Body>> slow = new ArrayList<>();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int i = 0; i < slowClients; i++) {
                slow.add(threads.submit(() -> {
                    // A small receive window, so that a client that stops reading pushes back at once.
                    try (RawClient client = RawClient.send("GET", harness.port(), FillHarness.blobPath(sharedDigest), 64 * 1024)) {
                        slowAttached.countDown();
                        Body body = client.read(2 * MiB, MiB); // 1 MiB/s for two seconds...
                        release.await(30, TimeUnit.SECONDS); // ...then hold the connection without reading
                        return body;
                    }
                }));
            }
            assertThat(slowAttached.await(15, TimeUnit.SECONDS)).isTrue();

            long startFast = System.nanoTime();
            try (RawClient fast = harness.get(sharedDigest)) {
                Body body = fast.readAll();
                assertThat(body.complete()).isTrue();
                assertThat(body.sha256()).isEqualTo(sharedDigest.hex());
            }
            long fastNanos = System.nanoTime() - startFast;

            // The fill committed while 64 clients were still holding their connections: they never held it back.
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.count(FillMeter.COMMITTED) == 2);
            assertThat(release.getCount()).isEqualTo(1);
            release.countDown();
            for (Future<Body> body : slow) {
                assertThat(body.get(30, TimeUnit.SECONDS).bytes()).isEqualTo(2L * MiB);
            }

            System.out.printf("fast client: %d ms alone, %d ms beside %d slow readers; Netty direct memory in use peaked at %.1f MiB%n",
                    aloneNanos / 1_000_000, fastNanos / 1_000_000, slowClients, maxDirect.get() / (double) MiB);
            assertThat(fastNanos).as("the fast client beside slow ones, against alone (%d ms)", aloneNanos / 1_000_000)
                    .isLessThan(3 * aloneNanos + TimeUnit.SECONDS.toNanos(1));
            // Unpaced, the 64 held clients would queue up to 64 x 30 MiB; paced, each holds a chunk or two.
            assertThat(maxDirect.get()).as("Netty direct memory in use").isLessThan(64L * MiB);
        } finally {
            release.countDown();
            threads.shutdownNow();
            sampling.set(false);
            sampler.join(1000);
        }
        assertThat(harness.upstream.gets()).hasSize(2);
    }
}
