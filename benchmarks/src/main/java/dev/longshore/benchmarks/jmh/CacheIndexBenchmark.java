package dev.longshore.benchmarks.jmh;

import dev.longshore.storage.BlobRecord;
import dev.longshore.storage.CacheIndex;
import dev.longshore.storage.Digest;
import dev.longshore.storage.TagKey;
import dev.longshore.storage.TagRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Point lookups in the RocksDB index straight (no Caffeine in front, so this is the cost of a cache-front miss):
 * {@link CacheIndex#blob} and {@link CacheIndex#tag} on an index in a temp dir holding 100,000 blobs and 10,000 tags
 * (flushed by reopening, so reads come from SST files, not just the memtable), for keys that exist and one that does
 * not. Uses two threads, as the mirror's event loops would on this machine.
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar CacheIndexBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
public class CacheIndexBenchmark extends MicroBenchmark {

    private static final int BLOBS = 100_000;
    private static final int TAGS = 10_000;

    private Path dir;
    private CacheIndex index;
    private Digest[] digests;
    private TagKey[] tags;

    @Setup(Level.Trial)
    public void populate() throws IOException {
        dir = Files.createTempDirectory("longshore-jmh-index");
        digests = new Digest[BLOBS];
        tags = new TagKey[TAGS];
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        try (CacheIndex writing = CacheIndex.open(dir)) {
            for (int i = 0; i < BLOBS; i++) {
                digests[i] = digestOf(i);
                writing.putBlob(new BlobRecord(digests[i], 1024L * i, now));
            }
            for (int i = 0; i < TAGS; i++) {
                tags[i] = new TagKey("docker.io", "library/image" + (i % 500), "v" + i);
                writing.putTag(tags[i], new TagRecord(digests[i], now));
            }
        }
        index = CacheIndex.open(dir);
    }

    @TearDown(Level.Trial)
    public void remove() throws IOException {
        index.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Each thread walks its own pseudo-random key order. */
    @State(Scope.Thread)
    public static class Cursor {
        private final SplittableRandom random = new SplittableRandom(42);

        int next(int bound) {
            return random.nextInt(bound);
        }
    }

    @Benchmark
    @org.openjdk.jmh.annotations.Threads(2)
    public Optional<BlobRecord> blobHit(Cursor cursor) {
        return index.blob(digests[cursor.next(BLOBS)]);
    }

    @Benchmark
    @org.openjdk.jmh.annotations.Threads(2)
    public Optional<BlobRecord> blobMiss(Cursor cursor) {
        return index.blob(digestOf(BLOBS + cursor.next(BLOBS)));
    }

    @Benchmark
    @org.openjdk.jmh.annotations.Threads(2)
    public Optional<TagRecord> tagHit(Cursor cursor) {
        return index.tag(tags[cursor.next(TAGS)]);
    }

    private static Digest digestOf(int i) {
        return Digest.sha256Of(ByteBuffer.allocate(4).putInt(i).array());
    }
}
