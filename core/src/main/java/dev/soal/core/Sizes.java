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
}
