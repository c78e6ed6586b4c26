package dev.longshore.proxy.pull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * At most one call per key at a time: a caller that arrives while a call for its key is under way gets that call's
 * result instead of starting another. Keys are forgotten when their call completes, so the next caller after that asks
 * again; what outlives a call is the cache's business, not this class's.
 */
final class InFlight<K, V> {
    private final ConcurrentHashMap<K, CompletableFuture<V>> calls = new ConcurrentHashMap<>();

    /** A call's result, and whether this caller joined a call someone else started. */
    record Call<V>(CompletableFuture<V> result, boolean joined) {
    }

    Call<V> run(K key, Supplier<CompletableFuture<V>> start) {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> running = calls.putIfAbsent(key, mine);
        if (running != null) {
            return new Call<>(running, true);
        }
        CompletableFuture<V> started;
        try {
            started = start.get();
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        started.whenComplete((value, error) -> {
            // Forget the key before completing, so that a caller woken by the result and asking again starts afresh.
            calls.remove(key, mine);
            if (error != null) {
                mine.completeExceptionally(error);
            } else {
                mine.complete(value);
            }
        });
        return new Call<>(mine, false);
    }

    /** Calls under way, for tests. */
    int size() {
        return calls.size();
    }
}
