package dev.longshore.proxy.fill;

import dev.longshore.proxy.metrics.CataloguedMeter;
import io.micrometer.core.instrument.Meter;

import java.util.List;

/**
 * The catalogue of fill meters: every meter the fills register, with its name, type and tag keys, in one place. Tags
 * are low-cardinality by rule (a fixed set of values each): never a digest, a repository or a client.
 */
public enum FillMeter implements CataloguedMeter {
    STARTED("longshore.fills.started", Meter.Type.COUNTER, "Fills started: blob downloads begun from an upstream", List.of()),
    COMMITTED("longshore.fills.committed", Meter.Type.COUNTER, "Fills whose digest verified and whose blob is now cached", List.of()),
    FAILED("longshore.fills.failed", Meter.Type.COUNTER, "Fills that ended without committing, by cause", List.of("cause")),
    READERS_JOINED("longshore.fills.readers.joined", Meter.Type.COUNTER,
            "Clients that joined a fill already under way instead of starting a download", List.of()),
    RESUMED("longshore.fills.resumed", Meter.Type.COUNTER,
            "Upstream requests that resumed a broken fill with Range from the bytes already written", List.of()),
    UPSTREAM_BYTES("longshore.fills.upstream.bytes", Meter.Type.COUNTER,
            "Body bytes received from upstreams for fills, including any the fill had to skip", List.of()),
    STORAGE_ERRORS("longshore.fills.storage.errors", Meter.Type.COUNTER,
            "Fills whose blob could not be written or committed (disk full, I/O error): nothing was cached, and their "
                    + "clients got the blob straight from the upstream", List.of()),
    IN_FLIGHT("longshore.fills.in.flight", Meter.Type.GAUGE, "Fills under way now", List.of());

    private final String meterName;
    private final Meter.Type type;
    private final String description;
    private final List<String> tagKeys;

    FillMeter(String meterName, Meter.Type type, String description, List<String> tagKeys) {
        this.meterName = meterName;
        this.type = type;
        this.description = description;
        this.tagKeys = tagKeys;
    }

    @Override
    public String meterName() {
        return meterName;
    }

    @Override
    public Meter.Type type() {
        return type;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public List<String> tagKeys() {
        return tagKeys;
    }

}
