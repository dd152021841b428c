package dev.soal.core;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as people write them: {@code 400MB}, {@code 1.5 GB}, {@code 10KB}, {@code 512} (binary units). */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(B|KB|MB|GB|TB)?\\s*",
            Pattern.CASE_INSENSITIVE);
    private static final String[] UNITS = {"B", "KB", "MB", "GB", "TB"};

    private Sizes() {
    }

    /** Parses a size; throws {@link IllegalArgumentException} naming the value when it is not one. */
    public static long parse(String text) {
        Matcher m = text == null ? null : SIZE.matcher(text);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("expected a size such as 400MB or 1.5GB, but was '" + text + "'");
        }
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        int power = java.util.Arrays.asList(UNITS).indexOf(unit);
        return Math.round(number * Math.pow(1024, power));
    }

    /** Formats bytes with one decimal: {@code 536870912 -> "512.0 MB"}, {@code 400 MB} for whole numbers. */
    public static String format(long bytes) {
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        if (unit == 0) {
            return bytes + " B";
        }
        if (value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%.0f %s", value, UNITS[unit]);
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** A duration as people read it: "850 ms", "42 s", "3 m 05 s", "1 h 02 m". */
    public static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        long s = Math.round(millis / 1000.0);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(java.util.Locale.ROOT, "%d m %02d s", s / 60, s % 60);
        }
        return String.format(java.util.Locale.ROOT, "%d h %02d m", s / 3600, (s % 3600) / 60);
    }

    /**
     * A duration written as people write it: {@code 90s}, {@code 20m}, {@code 1h30m}, {@code 2h}, or ISO-8601
     * ({@code PT20M}).
     */
    public static java.time.Duration parseDuration(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected a duration such as 20m, 1h30m or PT20M, but was empty");
        }
        String t = text.strip();
        try {
            if (t.toUpperCase(java.util.Locale.ROOT).startsWith("PT") || t.toUpperCase(java.util.Locale.ROOT).startsWith("P")) {
                return positive(java.time.Duration.parse(t), text);
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?").matcher(t);
            if (!m.matches() || t.isEmpty()) {
                throw new IllegalArgumentException();
            }
            long seconds = (m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 3600)
                    + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 60) + (m.group(3) == null ? 0 : Long.parseLong(m.group(3)));
            return positive(java.time.Duration.ofSeconds(seconds), text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("expected a duration such as 20m, 1h30m or PT20M, but was '" + text + "'");
        }
    }

    private static java.time.Duration positive(java.time.Duration d, String text) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("a duration must be > 0, but was '" + text + "'");
        }
        return d;
    }
}
