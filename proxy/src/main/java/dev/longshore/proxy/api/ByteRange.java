package dev.longshore.proxy.api;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One byte range of a blob, resolved against its size: bytes {@code first} to {@code last}, both inclusive (RFC 9110 14.1.2).
 * Only a single range is supported; a request for several gets the whole blob, which RFC 9110 allows.
 */
public record ByteRange(long first, long last) {

    /** The unit is case-insensitive, and whitespace may surround the separators (RFC 9110 14.1.1). */
    private static final Pattern SINGLE = Pattern.compile("bytes\\s*=\\s*(\\d*)\\s*-\\s*(\\d*)", Pattern.CASE_INSENSITIVE);

    public long length() {
        return last - first + 1;
    }

    /** The {@code Content-Range} value for a 206. */
    public String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }

    /**
     * Resolves a {@code Range} header against a blob of {@code size} bytes.
     *
     * @return empty when the whole blob should be sent (no header, several ranges, or a unit other than bytes)
     * @throws RegistryException RANGE_INVALID when the range cannot be satisfied
     */
    public static Optional<ByteRange> parse(String header, long size) {
        if (header == null) {
            return Optional.empty();
        }
        Matcher m = SINGLE.matcher(header.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        String from = m.group(1);
        String to = m.group(2);
        if (from.isEmpty()) {
            if (to.isEmpty()) {
                return Optional.empty();
            }
            long suffix = position(to);
            if (suffix == 0 || size == 0) {
                throw unsatisfiable(header, size);
            }
            return Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1));
        }
        long first = position(from);
        long last = to.isEmpty() ? Long.MAX_VALUE : position(to);
        if (first >= size || last < first) {
            throw unsatisfiable(header, size);
        }
        return Optional.of(new ByteRange(first, Math.min(last, size - 1)));
    }

    /**
     * A position of the header's; one with more digits than a long holds is beyond any blob, which is what it means
     * for the range (a last position past the end is clamped to it, a first one is unsatisfiable).
     */
    private static long position(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Whether a {@code Range} may be honoured under the request's {@code If-Range} (RFC 9110 13.1.5): only when it is
     * absent or names the blob's own entity tag, compared strongly. A date never matches, as blobs carry no
     * Last-Modified; then the whole blob is sent, as the client asked for in that case.
     */
    public static boolean ifRangeAllows(String ifRange, String entityTag) {
        return ifRange == null || ifRange.trim().equals(entityTag);
    }

    private static RegistryException unsatisfiable(String header, long size) {
        return new RegistryException(ErrorCode.RANGE_INVALID, "range '" + header + "' is outside the blob's " + size + " bytes");
    }
}
