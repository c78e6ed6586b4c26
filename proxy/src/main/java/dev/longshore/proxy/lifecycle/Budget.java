package dev.longshore.proxy.lifecycle;

/**
 * A byte budget with its watermarks: eviction starts once usage passes {@link #HIGH} of the budget and stops at
 * {@link #LOW}. Evicting down to 85% rather than just below 100% means a run frees a tenth of the budget at once, so a
 * busy cache evicts in occasional batches instead of a blob per fill; starting at 95% leaves headroom for the fills
 * that commit while a run is under way.
 */
public record Budget(long maxBytes) {
    public static final double HIGH = 0.95;
    public static final double LOW = 0.85;

    public Budget {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("a budget must be positive, got " + maxBytes);
        }
    }

    public long highBytes() {
        return (long) (maxBytes * HIGH);
    }

    public long lowBytes() {
        return (long) (maxBytes * LOW);
    }

    /** Bytes to free now, given {@code used}: none at or below the high watermark, else down to the low one. */
    public long excess(long used) {
        return used > highBytes() ? used - lowBytes() : 0;
    }
}
