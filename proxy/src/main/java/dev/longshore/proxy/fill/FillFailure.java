package dev.longshore.proxy.fill;

import java.util.Locale;

/** Why a fill ended without committing: the {@code cause} tag of {@link FillMeter#FAILED}, a fixed set of values. */
public enum FillFailure {
    /** The upstream answered the first request with something other than 200 (404, 401, 429, 5xx). */
    UPSTREAM_STATUS,
    /** The upstream could not be asked at all: refused, unresolvable, TLS, no response head. */
    UPSTREAM_UNREACHABLE,
    /** The body broke off, and resuming it with Range did not finish it within the allowed attempts. */
    TRUNCATED,
    /** The whole body arrived but does not hash to the digest asked for. */
    DIGEST_MISMATCH,
    /** The fill ran longer than the fill timeout, e.g. an upstream that stalled without closing. */
    TIMEOUT,
    /** Our own disk or index failed. */
    STORAGE;

    /** The tag value: lower case, as meter tags are. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
