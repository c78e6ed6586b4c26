package dev.longshore.benchmarks.load;

import dev.longshore.benchmarks.seed.Seed;
import io.netty.handler.codec.http.HttpMethod;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Many clients fetching one blob at the same moment, each on its own connection. */
final class Blobs {

    private Blobs() {
    }

    /**
     * Starts {@code clients} GETs of the blob at once and waits for all of them. Only the first {@code verify} clients
     * hash the body (hashing 32 GiB would take the CPU the mirror needs); every client checks status, framing and
     * length.
     */
    static List<FetchResult> fetchAll(HttpLoadClient client, Seed.Image image, Seed.Blob blob, int clients,
                                      int verify, Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        List<CompletableFuture<FetchResult>> fetches = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            fetches.add(client.fetch(HttpMethod.GET, image.blobPath(blob.digest()), null, i < verify, false));
        }
        CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<FetchResult> results = new ArrayList<>();
        for (CompletableFuture<FetchResult> fetch : fetches) {
            results.add(fetch.join());
        }
        return results;
    }

    static long whole(List<FetchResult> results, Seed.Blob blob) {
        return results.stream().filter(r -> r.isWhole(blob.size(), blob.digest())).count();
    }

    static long startOf(List<FetchResult> results) {
        return results.stream().mapToLong(FetchResult::startNanos).min().orElseThrow();
    }

    static long endOf(List<FetchResult> results) {
        return results.stream().mapToLong(FetchResult::endNanos).max().orElseThrow();
    }

    /** The value at quantile {@code q} (nearest rank) of {@code sorted}. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
