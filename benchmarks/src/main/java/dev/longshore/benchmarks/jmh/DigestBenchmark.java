package dev.longshore.benchmarks.jmh;

import dev.longshore.benchmarks.seed.PseudoRandomBytes;
import dev.longshore.storage.Digest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * SHA-256 over 64 KiB chunks, the work a fill does for every chunk it writes (the digest is verified as the bytes
 * land). One operation hashes one chunk, so MiB/s = ops/s / 16. Three ways the bytes can arrive: a heap array, a
 * heap {@link ByteBuffer}, and a direct {@link ByteBuffer} (what Netty's pooled buffers are), which the JDK copies
 * into a temporary array before hashing.
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar DigestBenchmark
 * </pre>
 */
@State(Scope.Thread)
public class DigestBenchmark extends MicroBenchmark {

    private static final int CHUNK = 64 * 1024;

    private final byte[] array = new byte[CHUNK];
    private ByteBuffer heap;
    private ByteBuffer direct;
    private MessageDigest hasher;

    @Setup
    public void setUp() {
        new PseudoRandomBytes(7, CHUNK).read(array, 0, CHUNK);
        heap = ByteBuffer.wrap(array);
        direct = ByteBuffer.allocateDirect(CHUNK).put(array).flip();
        hasher = Digest.parse("sha256:" + "0".repeat(64)).newHasher();
    }

    @Benchmark
    public MessageDigest heapArray() {
        hasher.update(array, 0, CHUNK);
        return hasher;
    }

    @Benchmark
    public MessageDigest heapBuffer() {
        hasher.update(heap.duplicate());
        return hasher;
    }

    @Benchmark
    public MessageDigest directBuffer() {
        hasher.update(direct.duplicate());
        return hasher;
    }
}
