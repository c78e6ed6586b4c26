package dev.longshore.proxy.api;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One byte range of a blob, resolved against its size: bytes {@code first} to {@code last}, both inclusive (RFC 9110 14.1.2).
 * Only a single range is supported; a request for several gets the whole blob, which RFC 9110 allows.
 */
public record ByteRange(long first, long last) {

    private static final Pattern SINGLE = Pattern.compile("bytes=(\\d*)-(\\d*)");

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
        try {
            if (from.isEmpty()) {
                if (to.isEmpty()) {
                    return Optional.empty();
                }
                long suffix = Long.parseLong(to);
                if (suffix == 0 || size == 0) {
                    throw unsatisfiable(header, size);
                }
                return Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1));
            }
            long first = Long.parseLong(from);
            long last = to.isEmpty() ? size - 1 : Math.min(Long.parseLong(to), size - 1);
            if (first >= size || (!to.isEmpty() && Long.parseLong(to) < first)) {
                throw unsatisfiable(header, size);
            }
            return Optional.of(new ByteRange(first, last));
        } catch (NumberFormatException e) {
            // Digits too many for a long: no blob is that large.
            throw unsatisfiable(header, size);
        }
    }

    private static RegistryException unsatisfiable(String header, long size) {
        return new RegistryException(ErrorCode.RANGE_INVALID, "range '" + header + "' is outside the blob's " + size + " bytes");
    }
}
