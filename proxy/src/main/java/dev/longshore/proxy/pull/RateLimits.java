package dev.longshore.proxy.pull;

import io.netty.handler.codec.http.HttpHeaders;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each upstream last said about its pull quota, from Docker Hub's {@code ratelimit-limit: 100;w=21600} and
 * {@code ratelimit-remaining: 76;w=21600} headers. When the quota runs low, tags are served from the cache past their
 * TTL instead of spending the last pulls on revalidation: pulls of images not cached at all still need them.
 *
 * <p>A low reading holds for the quota's window ({@code w}, in seconds) at most, since while it holds no revalidation
 * asks the upstream for a new reading; any response seen meanwhile (a miss) replaces it.
 */
public final class RateLimits {
    /** Below this many pulls left, the quota is low whatever the limit. */
    static final long LOW_ABSOLUTE = 5;
    /** Below a tenth of the limit, the quota is low. */
    static final long LOW_FRACTION_DIVISOR = 10;
    private static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    private static final Duration MAX_WINDOW = Duration.ofHours(6);
    private static final Pattern VALUE = Pattern.compile("\\s*(\\d+)\\s*(?:;\\s*w\\s*=\\s*(\\d+))?.*");

    private final Clock clock;
    private final Map<String, Reading> readings = new ConcurrentHashMap<>();

    /** One upstream's last reading; {@code limit} is -1 when the upstream did not send it. */
    record Reading(long limit, long remaining, Instant heldUntil) {
        boolean low() {
            return remaining < LOW_ABSOLUTE || (limit > 0 && remaining * LOW_FRACTION_DIVISOR < limit);
        }
    }

    public RateLimits(Clock clock) {
        this.clock = clock;
    }

    /** Records the quota headers of any upstream response; responses without them change nothing. */
    public void observe(String upstream, HttpHeaders headers) {
        Matcher remaining = match(headers.get("ratelimit-remaining"));
        if (remaining == null) {
            return;
        }
        Matcher limit = match(headers.get("ratelimit-limit"));
        Duration window = remaining.group(2) != null ? Duration.ofSeconds(Long.parseLong(remaining.group(2))) : DEFAULT_WINDOW;
        if (window.compareTo(MAX_WINDOW) > 0) {
            window = MAX_WINDOW;
        }
        readings.put(upstream, new Reading(limit == null ? -1 : Long.parseLong(limit.group(1)),
                Long.parseLong(remaining.group(1)), clock.instant().plus(window)));
    }

    /** True while the upstream's last reading said its quota is low. */
    public boolean low(String upstream) {
        Reading reading = readings.get(upstream);
        return reading != null && reading.low() && clock.instant().isBefore(reading.heldUntil());
    }

    /** The pulls the upstream last said remain, for the metrics gauge; NaN before it said anything. */
    public double remaining(String upstream) {
        Reading reading = readings.get(upstream);
        return reading == null ? Double.NaN : reading.remaining();
    }

    private static Matcher match(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = VALUE.matcher(value);
        try {
            return m.matches() && Long.parseLong(m.group(1)) >= 0 ? m : null;
        } catch (NumberFormatException e) {
            return null; // more digits than a long: not a quota we can use
        }
    }
}
