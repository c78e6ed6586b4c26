package dev.longshore.proxy.lifecycle;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.config.Sizes;
import dev.longshore.storage.BlobRecord;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.CacheUsage;
import dev.longshore.storage.EvictionCandidates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Keeps the cache within its budgets by deleting the least recently accessed blobs. Per-upstream budgets go first, and
 * an upstream over its budget only loses its own blobs, so one registry's traffic cannot push out another's; then the
 * global budget, over every blob. Pinned blobs are never picked; a blob used since it was picked is spared
 * ({@link CacheStorage#evict}). A deleted blob is fetched again by the next pull that needs it; cached manifests stay.
 *
 * <p>Not thread-safe: {@link CacheLifecycle} runs one at a time, on the storage executor.
 */
public final class Eviction {
    private static final Logger log = LoggerFactory.getLogger(Eviction.class);

    /** What one run did. */
    public record Result(int blobs, long bytes) {
    }

    private final CacheStorage storage;
    private final Optional<Budget> global;
    private final Map<String, Budget> perUpstream;
    private final Pins pins;

    public Eviction(CacheStorage storage, LifecycleSettings settings, Pins pins) {
        this.storage = storage;
        this.global = settings.maxSize().isPresent() ? Optional.of(new Budget(settings.maxSize().getAsLong())) : Optional.empty();
        Map<String, Budget> budgets = new TreeMap<>();
        settings.upstreamMaxSizes().forEach((upstream, max) -> budgets.put(upstream, new Budget(max)));
        this.perUpstream = budgets;
        this.pins = pins;
    }

    /** Whether any budget is past its high watermark: cheap, for a check after every commit. */
    public boolean needed() {
        CacheUsage usage = storage.usage();
        if (!usage.counted()) {
            return false; // the startup count is still running; it requests a run when done
        }
        if (global.isPresent() && global.get().excess(usage.totalBytes()) > 0) {
            return true;
        }
        for (Map.Entry<String, Budget> budget : perUpstream.entrySet()) {
            if (budget.getValue().excess(usage.bytes(budget.getKey())) > 0) {
                return true;
            }
        }
        return false;
    }

    public boolean hasBudget() {
        return global.isPresent() || !perUpstream.isEmpty();
    }

    /** Evicts until every budget is back at its low watermark, or nothing evictable is left. */
    public Result run() throws IOException {
        if (!needed()) {
            return new Result(0, 0);
        }
        // The access times waiting in memory decide the order too.
        storage.flushAccesses();
        Pins.Protected pinned = pins.resolve(storage);
        int blobs = 0;
        long bytes = 0;
        for (Map.Entry<String, Budget> budget : perUpstream.entrySet()) {
            long excess = budget.getValue().excess(storage.usage().bytes(budget.getKey()));
            Result r = evict(budget.getKey(), excess, pinned);
            blobs += r.blobs();
            bytes += r.bytes();
        }
        if (global.isPresent()) {
            Result r = evict(null, global.get().excess(storage.usage().totalBytes()), pinned);
            blobs += r.blobs();
            bytes += r.bytes();
        }
        if (blobs > 0) {
            log.info("Evicted {} blob(s), {}; the cache now holds {}", blobs, Sizes.format(bytes), storage.usage());
        }
        return new Result(blobs, bytes);
    }

    private Result evict(String upstream, long excess, Pins.Protected pinned) throws IOException {
        if (excess <= 0) {
            return new Result(0, 0);
        }
        List<BlobRecord> candidates = EvictionCandidates.oldest(storage.index(), upstream, excess, pinned::blob);
        int blobs = 0;
        long bytes = 0;
        for (BlobRecord candidate : candidates) {
            if (bytes >= excess) {
                break;
            }
            if (storage.evict(candidate)) {
                blobs++;
                bytes += candidate.size();
            }
        }
        if (bytes < excess) {
            log.warn("{} is {} over its low watermark, and nothing more can be evicted (pinned, or in use)",
                    upstream == null ? "The cache" : "Upstream " + upstream, Sizes.format(excess - bytes));
        }
        return new Result(blobs, bytes);
    }
}
