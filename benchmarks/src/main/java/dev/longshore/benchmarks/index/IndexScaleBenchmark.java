package dev.longshore.benchmarks.index;

import dev.longshore.storage.BlobRecord;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.EvictionCandidates;
import dev.longshore.storage.TagKey;
import dev.longshore.storage.TagRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * How the index scales: start-up time (opening the storage, which settles the journal and counts the bytes of every
 * blob) and lookup latency, at 10 000, 100 000 and 1 000 000 blobs with a tenth as many tags (100 000 at the top),
 * and the time eviction takes to pick the least recently accessed tenth of the bytes, then, once those are deleted,
 * the next hundredth.
 * A plain main rather than JMH, because the interesting figure is the one-off start-up at each size:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.longshore.benchmarks.index.IndexScaleBenchmark [max]}.
 *
 * <p>Lookups are timed twice. "Request" is what a pull does: a blob hit is {@link CacheStorage#useBlob} (the blob's
 * file is the hit, so a stat, plus the access recorded in memory), a tag is {@link CacheStorage#tag} (Caffeine in
 * front of the index). "Index" is the RocksDB read underneath, which commits, eviction and GC do: it grows with the
 * count as the tree gets deeper and outgrows the block cache. Every blob gets an empty file, so that the stat walks a
 * directory tree of the real size.
 */
public final class IndexScaleBenchmark {

    private static final int LOOKUPS = 200_000;

    public static void main(String[] args) throws IOException {
        int max = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        System.out.printf("%10s %10s %9s %10s | request: %8s %8s %8s %8s | index: %8s %8s %8s %8s | %16s %16s%n",
                "blobs", "tags", "open ms", "count ms",
                "hit p50", "hit p99", "tag p50", "tag p99", "blob p50", "blob p99", "tag p50", "tag p99",
                "LRU pick 10% ms", "then 1% more ms");
        System.out.println("(lookup latencies in microseconds)");
        for (int blobs = 10_000; blobs <= max; blobs *= 10) {
            run(blobs, blobs / 10);
        }
    }

    private static void run(int blobCount, int tagCount) throws IOException {
        Path dir = Files.createTempDirectory("longshore-index-scale");
        try {
            Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
            try (CacheStorage storage = CacheStorage.open(dir)) {
                List<BlobRecord> batch = new ArrayList<>();
                for (int i = 0; i < blobCount; i++) {
                    Digest digest = digest(i);
                    batch.add(new BlobRecord(digest, 1024L * (i % 4096 + 1), t0.plusSeconds(i), i % 2 == 0 ? "docker.io" : "ghcr.io"));
                    Path file = storage.blobs().layout().blobPath(digest);
                    Files.createDirectories(file.getParent());
                    Files.createFile(file);
                    if (batch.size() == 10_000) {
                        storage.index().putBlobs(batch);
                        batch.clear();
                    }
                }
                storage.index().putBlobs(batch);
                for (int i = 0; i < tagCount; i++) {
                    storage.index().putTag(tagKey(i), new TagRecord(digest(i), t0));
                }
            }

            // As the server opens it: serving can start here; the byte count runs in the background after.
            long openStart = System.nanoTime();
            try (CacheStorage storage = CacheStorage.open(dir, java.time.Clock.systemUTC(), false)) {
                long openNanos = System.nanoTime() - openStart;
                long countStart = System.nanoTime();
                storage.countUsage();
                long countNanos = System.nanoTime() - countStart;
                if (storage.usage().blobCount() != blobCount) {
                    throw new IllegalStateException("counted " + storage.usage().blobCount() + " blobs, not " + blobCount);
                }
                Random random = new Random(1);
                long[] hitNanos = new long[LOOKUPS];
                long[] cachedTagNanos = new long[LOOKUPS];
                long[] blobNanos = new long[LOOKUPS];
                long[] tagNanos = new long[LOOKUPS];
                // Two passes, the first to warm the JIT and the caches; the second is reported.
                for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < LOOKUPS; i++) {
                    // A fresh digest per lookup, as a request parses one: picking from an array of a million digests
                    // would time the heap's cache misses on the way to the key, not the index.
                    Digest digest = digest(random.nextInt(blobCount));
                    long start = System.nanoTime();
                    storage.useBlob(digest).orElseThrow();
                    hitNanos[i] = System.nanoTime() - start;
                    start = System.nanoTime();
                    storage.index().blob(digest).orElseThrow();
                    blobNanos[i] = System.nanoTime() - start;
                    TagKey key = tagKey(random.nextInt(tagCount));
                    start = System.nanoTime();
                    storage.tag(key).orElseThrow();
                    cachedTagNanos[i] = System.nanoTime() - start;
                    start = System.nanoTime();
                    storage.index().tag(key).orElseThrow();
                    tagNanos[i] = System.nanoTime() - start;
                }
                long pickStart = System.nanoTime();
                List<BlobRecord> picked = EvictionCandidates.oldest(storage.index(), null, storage.usage().totalBytes() / 10, d -> false);
                long pickNanos = System.nanoTime() - pickStart;
                // Evicting leaves deletes at the head of the access order until compaction drops them; the next pick
                // steps over them.
                picked.forEach(record -> storage.index().deleteBlob(record.digest()));
                long repickStart = System.nanoTime();
                EvictionCandidates.oldest(storage.index(), null, storage.usage().totalBytes() / 100, d -> false);
                long repickNanos = System.nanoTime() - repickStart;
                System.out.printf("%10d %10d %9.0f %10.0f |          %8.1f %8.1f %8.1f %8.1f |        %8.1f %8.1f %8.1f %8.1f | %16.0f %16.0f%n",
                        blobCount, tagCount, openNanos / 1e6, countNanos / 1e6,
                        percentile(hitNanos, 50) / 1e3, percentile(hitNanos, 99) / 1e3,
                        percentile(cachedTagNanos, 50) / 1e3, percentile(cachedTagNanos, 99) / 1e3,
                        percentile(blobNanos, 50) / 1e3, percentile(blobNanos, 99) / 1e3,
                        percentile(tagNanos, 50) / 1e3, percentile(tagNanos, 99) / 1e3, pickNanos / 1e6, repickNanos / 1e6);
            }
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Digest digest(int i) {
        return Digest.sha256Of(ByteBuffer.allocate(4).putInt(i).array());
    }

    private static TagKey tagKey(int i) {
        return new TagKey("docker.io", "team/app" + (i / 100), "v" + i);
    }

    private static double percentile(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
    }
}
