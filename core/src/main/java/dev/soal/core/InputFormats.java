package dev.soal.core;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an input object holds, told from its key: the file format (csv, json, text, parquet, orc, avro) and any
 * whole-file compression (gzip, zstd, bzip2, snappy, lz4, deflate), written {@code format} or {@code format.compression}
 * ({@code csv.gz} is "csv.gzip"). Spark's part files ({@code part-00000-....c000.snappy.parquet}) are parquet: a
 * columnar format's own compression is part of the format. Objects that hold no data ({@code _SUCCESS}, checksums) are
 * {@link #MARKER}; anything else is {@link #UNKNOWN}.
 */
public final class InputFormats {
    public static final String UNKNOWN = "unknown";
    public static final String MARKER = "marker";
    /** The formats and compressions told apart, in the names policies use for their expansion factors. */
    public static final List<String> FORMATS = List.of("csv", "json", "text", "parquet", "orc", "avro", UNKNOWN);
    public static final List<String> COMPRESSIONS = List.of("gzip", "zstd", "bzip2", "snappy", "lz4", "deflate");

    private static final Map<String, String> FORMAT_SUFFIX = Map.ofEntries(Map.entry("csv", "csv"), Map.entry("tsv", "csv"),
            Map.entry("json", "json"), Map.entry("jsonl", "json"), Map.entry("ndjson", "json"), Map.entry("txt", "text"),
            Map.entry("log", "text"), Map.entry("parquet", "parquet"), Map.entry("orc", "orc"), Map.entry("avro", "avro"));
    private static final Map<String, String> COMPRESSION_SUFFIX = Map.of("gz", "gzip", "gzip", "gzip", "zst", "zstd",
            "zstd", "zstd", "bz2", "bzip2", "snappy", "snappy", "lz4", "lz4", "deflate", "deflate");

    private InputFormats() {
    }

    /** The format of the object at {@code key}: {@code csv}, {@code csv.gzip}, {@code parquet}, ... */
    public static String of(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (name.startsWith("_") || name.startsWith(".") || name.endsWith(".crc")) {
            return MARKER;
        }
        String[] parts = name.split("\\.");
        if (parts.length < 2) {
            return UNKNOWN;
        }
        String last = parts[parts.length - 1];
        String compression = COMPRESSION_SUFFIX.get(last);
        if (compression == null) {
            return FORMAT_SUFFIX.getOrDefault(last, UNKNOWN);
        }
        String format = parts.length >= 3 ? FORMAT_SUFFIX.getOrDefault(parts[parts.length - 2], UNKNOWN) : UNKNOWN;
        if (format.equals("parquet") || format.equals("orc") || format.equals("avro")) {
            return format; // a columnar or binary file is not compressed again as a whole
        }
        return format + "." + compression;
    }

    /** The format part of {@link #of}'s answer ({@code csv} of {@code csv.gzip}). */
    public static String formatOf(String format) {
        int dot = format.indexOf('.');
        return dot < 0 ? format : format.substring(0, dot);
    }

    /** The compression part of {@link #of}'s answer, or null. */
    public static String compressionOf(String format) {
        int dot = format.indexOf('.');
        return dot < 0 ? null : format.substring(dot + 1);
    }
}
