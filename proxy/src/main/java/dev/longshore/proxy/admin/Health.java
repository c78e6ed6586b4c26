package dev.longshore.proxy.admin;

import dev.longshore.proxy.http.InFlightRequests;
import dev.longshore.storage.CacheStorage;
import dev.longshore.storage.TagKey;

import java.util.function.BooleanSupplier;

/**
 * {@code /readyz}: ready when the storage answers (a lookup in the index succeeds), upstreams are configured and the
 * server is not shutting down. {@code /healthz} needs nothing: a process that answers it is alive.
 */
final class Health {
    /** A tag no one can pull (names are validated on the way in), so the probe is a plain index miss. */
    private static final TagKey PROBE = new TagKey("longshore.readiness", "probe", "probe");

    private final CacheStorage storage;
    private final int upstreams;
    private final BooleanSupplier accepting;

    record Readiness(String storage, int upstreams, boolean accepting) {
        boolean ready() {
            return storage.equals("open") && upstreams > 0 && accepting;
        }
    }

    Health(CacheStorage storage, int upstreams, BooleanSupplier accepting) {
        this.storage = storage;
        this.upstreams = upstreams;
        this.accepting = accepting;
    }

    Readiness readiness() {
        String state;
        try {
            storage.index().tag(PROBE);
            state = "open";
        } catch (RuntimeException e) {
            state = "unavailable: " + e.getMessage();
        }
        return new Readiness(state, upstreams, accepting.getAsBoolean());
    }

    static BooleanSupplier acceptingUnlessDraining(InFlightRequests inFlight) {
        return () -> !inFlight.draining();
    }
}
