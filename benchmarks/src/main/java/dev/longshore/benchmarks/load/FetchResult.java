package dev.longshore.benchmarks.load;

/**
 * One response as a client saw it. Times are {@link System#nanoTime()} values; {@code firstByteNanos} is when the
 * first body byte arrived (0 if none did), which a mirror cannot fake by sending headers early.
 * {@code complete} means the response ended as HTTP framed it, not by the connection dropping.
 */
public record FetchResult(int status, long bytes, long startNanos, long firstByteNanos, long endNanos,
                          boolean complete, String sha256, byte[] body) {

    public double secondsToFirstByte() {
        return firstByteNanos == 0 ? Double.NaN : (firstByteNanos - startNanos) / 1e9;
    }

    public double seconds() {
        return (endNanos - startNanos) / 1e9;
    }

    /** A whole 200 body of the expected size (and digest, when it was hashed). */
    public boolean isWhole(long expectedSize, String expectedDigest) {
        return status == 200 && complete && bytes == expectedSize && (sha256 == null || sha256.equals(expectedDigest));
    }
}
