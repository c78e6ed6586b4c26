package dev.longshore.proxy.fill;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;

/** The fill counters, registered once so that the hot path (a count per chunk) does no registry lookup. */
final class FillCounters {
    final Counter started;
    final Counter committed;
    final Counter readersJoined;
    final Counter resumed;
    final Counter upstreamBytes;
    private final Map<FillFailure, Counter> failed = new EnumMap<>(FillFailure.class);

    FillCounters(MeterRegistry registry) {
        started = FillMeter.STARTED.counter(registry);
        committed = FillMeter.COMMITTED.counter(registry);
        readersJoined = FillMeter.READERS_JOINED.counter(registry);
        resumed = FillMeter.RESUMED.counter(registry);
        upstreamBytes = FillMeter.UPSTREAM_BYTES.counter(registry);
        // Registered up front, so that a scrape shows every cause, at zero until it happens.
        for (FillFailure cause : FillFailure.values()) {
            failed.put(cause, FillMeter.FAILED.counter(registry, cause.tag()));
        }
    }

    Counter failed(FillFailure cause) {
        return failed.get(cause);
    }
}
