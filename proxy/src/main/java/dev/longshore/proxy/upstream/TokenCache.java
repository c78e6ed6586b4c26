package dev.longshore.proxy.upstream;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Bearer tokens per {@link TokenKey}, kept until shortly before they expire. Concurrent requests for the same
 * key share one token request: the map holds the future, not the token. A failed request is removed so that the
 * next caller tries again.
 */
final class TokenCache {

    /** Tokens are per repository scope; past this many entries expired ones are swept. */
    static final int SWEEP_ABOVE = 10_000;

    private final Clock clock;
    private final Map<TokenKey, CompletableFuture<BearerToken>> tokens = new ConcurrentHashMap<>();

    TokenCache(Clock clock) {
        this.clock = clock;
    }

    /** A usable cached token, the pending request for one, or a new request made with {@code fetch}. */
    CompletableFuture<BearerToken> tokenFor(TokenKey key, Supplier<CompletableFuture<BearerToken>> fetch) {
        while (true) {
            CompletableFuture<BearerToken> existing = tokens.get(key);
            if (existing != null && (!existing.isDone() || usable(existing))) {
                return existing;
            }
            CompletableFuture<BearerToken> fresh = new CompletableFuture<>();
            boolean ours = existing == null ? tokens.putIfAbsent(key, fresh) == null : tokens.replace(key, existing, fresh);
            if (!ours) {
                continue; // someone else started a request meanwhile: use theirs
            }
            if (tokens.size() > SWEEP_ABOVE) {
                tokens.entrySet().removeIf(e -> e.getValue().isDone() && !usable(e.getValue()));
            }
            CompletableFuture<BearerToken> request;
            try {
                request = fetch.get();
            } catch (RuntimeException e) {
                request = CompletableFuture.failedFuture(e);
            }
            request.whenComplete((token, error) -> {
                if (error != null) {
                    tokens.remove(key, fresh);
                    fresh.completeExceptionally(error);
                } else {
                    fresh.complete(token);
                }
            });
            return fresh;
        }
    }

    /** Forgets {@code token} for {@code key} (the upstream rejected it); a newer token is left alone. */
    void invalidate(TokenKey key, BearerToken token) {
        CompletableFuture<BearerToken> current = tokens.get(key);
        if (current != null && current.isDone() && !current.isCompletedExceptionally() && current.join().equals(token)) {
            tokens.remove(key, current);
        }
    }

    int size() {
        return tokens.size();
    }

    private boolean usable(CompletableFuture<BearerToken> future) {
        return !future.isCompletedExceptionally() && clock.instant().isBefore(future.join().refreshAt());
    }
}
