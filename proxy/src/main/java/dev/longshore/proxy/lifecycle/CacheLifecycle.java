package dev.longshore.proxy.lifecycle;

import dev.longshore.config.LifecycleSettings;
import dev.longshore.config.Sizes;
import dev.longshore.storage.CacheStorage;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The cache's upkeep while the server runs, all of it on the storage executor: access times flushed in batches,
 * eviction when a commit takes a budget past its high watermark (and on a timer, as a backstop), GC periodically, and
 * one full reconciliation of index and files at start (in the background, because it walks every file).
 *
 * <p>Eviction and GC never run at the same time; a timer tick that finds one running skips its turn.
 */
public final class CacheLifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheLifecycle.class);

    /**
     * How often each job runs. Access times every 10 s: a crash forgets at most that much of the LRU order, and a busy
     * cache writes one batch per 10 s instead of one record per hit. GC hourly: it scans the whole index.
     */
    public record Intervals(Duration accessFlush, Duration evictionCheck, Duration gc) {
        public static final Intervals DEFAULTS = new Intervals(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofHours(1));
    }

    private final CacheStorage storage;
    private final Executor storageExecutor;
    private final Eviction eviction;
    private final GarbageCollector gc;
    private final Intervals intervals;
    private final ScheduledExecutorService timer;
    private final List<ScheduledFuture<?>> ticks = new ArrayList<>();
    private final ReentrantLock maintenance = new ReentrantLock();
    private final AtomicBoolean evictionQueued = new AtomicBoolean();

    public CacheLifecycle(CacheStorage storage, LifecycleSettings settings, Pins pins, Executor storageExecutor, Intervals intervals) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.storageExecutor = Objects.requireNonNull(storageExecutor, "storageExecutor");
        this.intervals = Objects.requireNonNull(intervals, "intervals");
        this.eviction = new Eviction(storage, settings, pins);
        this.gc = new GarbageCollector(storage, settings, pins);
        this.timer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("longshore-lifecycle", true));
        if (eviction.hasBudget()) {
            log.info("Cache budget: {}{}; evicting above {}% down to {}%",
                    settings.maxSize().isPresent() ? Sizes.format(settings.maxSize().getAsLong()) : "unbounded",
                    settings.upstreamMaxSizes().isEmpty() ? "" : ", per upstream " + settings.upstreamMaxSizes(),
                    (int) (Budget.HIGH * 100), (int) (Budget.LOW * 100));
        }
    }

    /** Starts the timers and the background reconciliation; hooks eviction to every commit. */
    public void start() {
        storage.setPublishListener(this::afterPublish);
        every(intervals.accessFlush(), this::flush);
        if (eviction.hasBudget()) {
            every(intervals.evictionCheck(), this::requestEviction);
        }
        every(intervals.gc(), () -> storageExecutor.execute(() -> runExclusively("GC", gc::run)));
        storageExecutor.execute(() -> runExclusively("reconciliation", () -> {
            storage.countUsage();
            CacheStorage.Reconciliation done = storage.reconcile();
            if (done.changedAnything()) {
                log.info("Reconciled the index with the blob files: indexed {} file(s) without a record, dropped {} record(s) without a file",
                        done.filesIndexed(), done.recordsDropped());
            }
            requestEviction();
            return done;
        }));
    }

    /** Runs an eviction soon if a budget is past its high watermark; many requests meanwhile make one run. */
    public void requestEviction() {
        if (!eviction.needed() || !evictionQueued.compareAndSet(false, true)) {
            return;
        }
        storageExecutor.execute(() -> {
            evictionQueued.set(false);
            runExclusively("eviction", eviction::run);
        });
    }

    /** Runs an eviction now, on the calling thread; for tests. */
    public Eviction.Result evictNow() throws IOException {
        maintenance.lock();
        try {
            return eviction.run();
        } finally {
            maintenance.unlock();
        }
    }

    /** Runs GC now, on the calling thread; for tests and {@code longshore gc}. */
    public GarbageCollector.Result gcNow() throws IOException {
        maintenance.lock();
        try {
            return gc.run();
        } finally {
            maintenance.unlock();
        }
    }

    /** Runs a GC on the storage executor; completes with its result. */
    public CompletableFuture<GarbageCollector.Result> gcSoon() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return gcNow();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, storageExecutor);
    }

    private void afterPublish() {
        requestEviction();
    }

    private void flush() {
        storageExecutor.execute(() -> {
            try {
                storage.flushAccesses();
            } catch (RuntimeException e) {
                log.warn("could not write access times: {}", e.toString());
            }
        });
    }

    private interface Job {
        Object run() throws IOException;
    }

    private void runExclusively(String name, Job job) {
        if (!maintenance.tryLock()) {
            return; // the other job is running; the next tick or commit asks again
        }
        try {
            job.run();
        } catch (IOException | RuntimeException e) {
            log.warn("cache {} failed: {}", name, e.toString());
        } finally {
            maintenance.unlock();
        }
    }

    private void every(Duration interval, Runnable task) {
        long nanos = interval.toNanos();
        ticks.add(timer.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.debug("lifecycle task not run: {}", e.toString()); // the storage executor is shutting down
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS));
    }

    /** Stops the timers; the storage's own close writes the last access times. */
    @Override
    public void close() {
        storage.setPublishListener(null);
        ticks.forEach(t -> t.cancel(false));
        timer.shutdownNow();
    }
}
