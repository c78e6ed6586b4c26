package dev.longshore.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.List;

/**
 * One entry of a meter catalogue ({@link ServerMeter}, {@link dev.longshore.proxy.fill.FillMeter}): its name, type,
 * description and tag keys, and the one way to register it, which checks that a meter is used as its type and with
 * exactly its tags — so the catalogue stays the truth about what is exported.
 */
public interface CataloguedMeter {

    String meterName();

    Meter.Type type();

    String description();

    List<String> tagKeys();

    /** This counter with one value for each of its tag keys, in catalogue order. */
    default Counter counter(MeterRegistry registry, String... tagValues) {
        checkUse(Meter.Type.COUNTER, tagValues);
        Counter.Builder builder = Counter.builder(meterName()).description(description());
        for (int i = 0; i < tagValues.length; i++) {
            builder.tag(tagKeys().get(i), tagValues[i]);
        }
        return builder.register(registry);
    }

    /** This timer with one value for each of its tag keys, in catalogue order. */
    default Timer timer(MeterRegistry registry, String... tagValues) {
        checkUse(Meter.Type.TIMER, tagValues);
        Timer.Builder builder = Timer.builder(meterName()).description(description());
        for (int i = 0; i < tagValues.length; i++) {
            builder.tag(tagKeys().get(i), tagValues[i]);
        }
        return builder.register(registry);
    }

    private void checkUse(Meter.Type expected, String... tagValues) {
        if (type() != expected) {
            throw new IllegalStateException(meterName() + " is a " + type() + ", not a " + expected);
        }
        if (tagValues.length != tagKeys().size()) {
            throw new IllegalArgumentException(meterName() + " takes tags " + tagKeys() + ", got " + tagValues.length + " value(s)");
        }
    }
}
