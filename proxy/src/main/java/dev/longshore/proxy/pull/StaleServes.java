package dev.longshore.proxy.pull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts answers served stale because the upstream could not be asked: {@code longshore.stale.served}, tagged with the
 * upstream and what was served ({@code tag} or {@code referrers}). A rising count means an upstream outage that
 * clients did not notice.
 */
public final class StaleServes {
    public static final String METER = "longshore.stale.served";

    private final MeterRegistry meters;

    public StaleServes(MeterRegistry meters) {
        this.meters = meters;
    }

    void count(String upstream, String kind) {
        Counter.builder(METER)
                .description("cached answers served because the upstream could not be asked")
                .tag("upstream", upstream)
                .tag("kind", kind)
                .register(meters)
                .increment();
    }
}
