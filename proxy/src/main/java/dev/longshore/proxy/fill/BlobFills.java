package dev.longshore.proxy.fill;

import dev.longshore.proxy.api.RepositoryName;
import dev.longshore.proxy.upstream.UpstreamClient;
import dev.longshore.storage.BlobWriter;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.Digest;
import dev.longshore.storage.StoredBlob;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The fetch coalescer for blobs: at most one {@link BlobFill} per digest at a time, and every client of that digest
 * reads from it. A fill leaves the map when it commits or fails, so the request after a failure starts a fresh one.
 *
 * <p>All blocking work of a fill (temp file writes, hashing, fsync, rename, the index update) runs on the storage
 * executor, as one serial chain per fill (see {@link FillDownload}), so an event loop never waits on the disk. Resume
 * waits and the fill timeout are scheduled on {@code scheduler}, the event loops, never slept.
 */
public final class BlobFills {

    /** Either the committed blob, or the fill that is producing it. */
    public sealed interface Source {
    }

    public record Stored(StoredBlob blob) implements Source {
    }

    public record Filling(BlobFill fill, boolean joined) implements Source {
    }

    private final CacheStorage storage;
    private final Executor storageExecutor;
    private final ScheduledExecutorService scheduler;
    private final FillLimits limits;
    private final FillCounters counters;
    private final ConcurrentHashMap<Digest, BlobFill> inFlight = new ConcurrentHashMap<>();
    private final StorageErrors storageErrors;

    /**
     * @param scheduler where resume waits and fill timeouts are scheduled: the Netty event loop group
     * @param meters    where the {@link FillMeter fill meters} are registered
     * @param limits    the fill timeout and the resume policy; {@link FillLimits#DEFAULTS} in production
     */
    public BlobFills(CacheStorage storage, Executor storageExecutor, ScheduledExecutorService scheduler,
                     MeterRegistry meters, FillLimits limits) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.storageExecutor = Objects.requireNonNull(storageExecutor, "storageExecutor");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.counters = new FillCounters(meters);
        this.storageErrors = new StorageErrors(FillMeter.STORAGE_ERRORS.counter(meters));
        Gauge.builder(FillMeter.IN_FLIGHT.meterName(), inFlight, ConcurrentHashMap::size)
                .description(FillMeter.IN_FLIGHT.description())
                .register(meters);
    }

    /**
     * Finds the blob in the cache, joins the fill in flight for it, or starts one. Blocks on the disk: call it on the
     * storage executor.
     */
    public Source open(UpstreamClient upstream, RepositoryName name, Digest digest) throws IOException {
        // A hit records its access (in memory; see CacheStorage.useBlob) so eviction spares what is being served.
        var stored = storage.useBlob(digest);
        if (stored.isPresent()) {
            return new Stored(stored.get());
        }
        boolean[] started = {false};
        BlobFill fill;
        try {
            fill = inFlight.computeIfAbsent(digest, d -> {
                // A fill may have committed between the lookup above and this one.
                if (storage.findBlob(d).isPresent()) {
                    return null;
                }
                started[0] = true;
                return newFill(d, upstream, name);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (fill == null) {
            return new Stored(storage.useBlob(digest).orElseThrow(() -> new IOException("blob " + digest + " vanished right after its commit")));
        }
        if (started[0]) {
            counters.started.increment();
            BlobFill ours = fill;
            new FillDownload(fill, upstream, name, storage, new SerialChain(storageExecutor), scheduler, limits, counters, storageErrors,
                    () -> inFlight.remove(digest, ours)).start();
        } else {
            counters.readersJoined.increment();
        }
        return new Filling(fill, !started[0]);
    }

    /** The cached blob or the fill in flight for it, without starting one (a HEAD). Blocks on the disk. */
    public Optional<Source> find(Digest digest) {
        var stored = storage.findBlob(digest);
        if (stored.isPresent()) {
            return Optional.of(new Stored(stored.get()));
        }
        BlobFill fill = inFlight.get(digest);
        return fill == null ? Optional.empty() : Optional.of(new Filling(fill, true));
    }

    /** Fills in flight now; for tests and metrics. */
    public int inFlight() {
        return inFlight.size();
    }

    private BlobFill newFill(Digest digest, UpstreamClient upstream, RepositoryName name) {
        try {
            BlobWriter writer = storage.blobs().newWriter(digest);
            try {
                return new BlobFill(digest, writer, FillFile.open(writer.tempPath()), upstream, name);
            } catch (IOException | RuntimeException e) {
                writer.abort();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
