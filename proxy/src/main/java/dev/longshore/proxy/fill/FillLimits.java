package dev.longshore.proxy.fill;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on one fill.
 *
 * @param fillTimeout       the longest a whole fill may run, however it is going; it frees the entry of an upstream
 *                          that stalls (the upstream client's read timeout bounds each silence, this bounds the sum)
 * @param maxResumes        how many times a broken body is resumed with Range before the fill gives up
 * @param firstResumeDelay  the wait before the first resume; each further one waits twice as long as the last
 */
public record FillLimits(Duration fillTimeout, int maxResumes, Duration firstResumeDelay) {

    /** 30 minutes covers a multi-GiB layer over a slow link; 3 resumes at 0.5 s, 1 s and 2 s ride out a flaky CDN. */
    public static final FillLimits DEFAULTS = new FillLimits(Duration.ofMinutes(30), 3, Duration.ofMillis(500));

    public FillLimits {
        Objects.requireNonNull(fillTimeout, "fillTimeout");
        Objects.requireNonNull(firstResumeDelay, "firstResumeDelay");
        if (fillTimeout.isNegative() || fillTimeout.isZero()) {
            throw new IllegalArgumentException("fillTimeout must be positive, got " + fillTimeout);
        }
        if (maxResumes < 0) {
            throw new IllegalArgumentException("maxResumes must not be negative, got " + maxResumes);
        }
        if (firstResumeDelay.isNegative()) {
            throw new IllegalArgumentException("firstResumeDelay must not be negative, got " + firstResumeDelay);
        }
    }

    /** The wait before resume number {@code attempt} (1-based): doubling from {@link #firstResumeDelay}. */
    public Duration resumeDelay(int attempt) {
        return firstResumeDelay.multipliedBy(1L << Math.min(attempt - 1, 16));
    }
}
