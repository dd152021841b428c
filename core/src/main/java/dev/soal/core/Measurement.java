package dev.soal.core;

import java.util.Map;
import java.util.TreeMap;

/**
 * The measured size of a job's inputs, and what they hold: their bytes by format ({@link InputFormats}), from which the
 * policies' expansion factors estimate the bytes as read ({@code 300 MB of csv.gzip} reads like 1.2 GB of CSV).
 *
 * @param bytesByFormat the inputs' bytes by format ({@code csv}, {@code csv.gzip}, {@code parquet}, ...); empty when
 *                      not told (all of {@code totalBytes} then counts as read)
 * @param scriptVersion the script's content tag (S3's ETag), which keys its run history ({@link RunHistory}); null when
 *                      not measured
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record Measurement(long totalBytes, long objectCount, long elapsedMillis, Map<String, Long> bytesByFormat,
                          String scriptVersion) {
    public Measurement {
        if (totalBytes < 0) {
            throw new IllegalArgumentException("totalBytes must be >= 0, but was " + totalBytes);
        }
        if (objectCount < 0) {
            throw new IllegalArgumentException("objectCount must be >= 0, but was " + objectCount);
        }
        bytesByFormat = bytesByFormat == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(bytesByFormat));
    }

    public Measurement(long totalBytes, long objectCount, long elapsedMillis) {
        this(totalBytes, objectCount, elapsedMillis, Map.of(), null);
    }

    public Measurement(long totalBytes, long objectCount, long elapsedMillis, Map<String, Long> bytesByFormat) {
        this(totalBytes, objectCount, elapsedMillis, bytesByFormat, null);
    }

    /** The same measurement, with the script's version. */
    public Measurement withScriptVersion(String version) {
        return new Measurement(totalBytes, objectCount, elapsedMillis, bytesByFormat, version);
    }

    /** The format most of the bytes are in ({@link InputFormats#UNKNOWN} when none was told). */
    public String mainFormat() {
        return bytesByFormat.entrySet().stream().filter(e -> !e.getKey().equals(InputFormats.MARKER))
                .max(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey).orElse(InputFormats.UNKNOWN);
    }

    @Override
    public String toString() {
        return Sizes.format(totalBytes) + " in " + objectCount + " object" + (objectCount == 1 ? "" : "s");
    }
}
