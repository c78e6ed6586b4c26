package dev.longshore.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes the way people write them in settings: {@code 500MiB}, {@code 10GiB}, {@code 2TiB} (powers of 1024),
 * {@code 10GB} (powers of 1000), or a plain number of bytes.
 */
public final class Sizes {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?");

    private Sizes() {
    }

    public static long parse(String key, String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new SettingsException(key, "expected a size such as 500MiB, 10GiB or 2TiB, got '" + text + "'");
        }
        long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "TiB" -> 1L << 40;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            default -> 1L;
        };
        try {
            long size = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
            if (size <= 0) {
                throw new SettingsException(key, "must be more than 0 bytes, got '" + text + "'");
            }
            return size;
        } catch (ArithmeticException | NumberFormatException e) {
            throw new SettingsException(key, "is too large: '" + text + "'");
        }
    }

    /** {@code 10737418240} as {@code 10GiB}: the largest binary unit that divides it, for logs. */
    public static String format(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes >= unit && bytes % unit == 0) {
                return bytes / unit + units[i];
            }
        }
        return bytes + "B";
    }
}
