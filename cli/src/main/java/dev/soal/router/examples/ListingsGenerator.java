package dev.soal.router.examples;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a CSV of accommodation listings (the shape of the public "listings" data sets the seed's sample
 * used) of about {@code targetBytes}, the same bytes for the same size and seed on every machine.
 */
public final class ListingsGenerator {
    public static final String HEADER = "id,name,host_id,neighbourhood_group,neighbourhood,latitude,longitude,"
            + "room_type,price,minimum_nights,number_of_reviews,last_review,reviews_per_month,availability_365";
    public static final long MIN_BYTES = 10 * 1024;
    public static final long MAX_BYTES = 1024L * 1024 * 1024;

    private static final String[][] NEIGHBOURHOODS = {
            {"Manhattan", "Harlem", "Midtown", "Chelsea", "East Village", "Upper West Side", "Tribeca"},
            {"Brooklyn", "Williamsburg", "Bushwick", "Park Slope", "Bedford-Stuyvesant", "Greenpoint"},
            {"Queens", "Astoria", "Long Island City", "Flushing", "Jamaica"},
            {"Bronx", "Mott Haven", "Fordham", "Riverdale"},
            {"Staten Island", "St. George", "Tompkinsville"}};
    private static final String[] ROOM_TYPES = {"Entire home/apt", "Private room", "Shared room", "Hotel room"};
    private static final String[] ADJECTIVES = {"Cozy", "Sunny", "Spacious", "Quiet", "Modern", "Charming", "Bright"};
    private static final String[] NOUNS = {"studio", "loft", "room", "apartment", "suite", "flat"};

    private ListingsGenerator() {
    }

    /** Writes the CSV and returns the number of listings written. */
    public static long write(Path file, long targetBytes, long seed) throws IOException {
        return write(file, targetBytes, seed, done -> { });
    }

    /** The same, telling {@code progress} the bytes written so far, about every 1% and at the end. */
    public static long write(Path file, long targetBytes, long seed, java.util.function.LongConsumer progress) throws IOException {
        if (targetBytes < MIN_BYTES || targetBytes > MAX_BYTES) {
            throw new IllegalArgumentException("size must be within 10 KB..1 GB, but was " + targetBytes + " bytes");
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        SplittableRandom random = new SplittableRandom(seed);
        long written = HEADER.length() + 1;
        long rows = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            long step = Math.max(1, targetBytes / 100);
            long next = step;
            while (written < targetBytes) {
                String line = row(++rows, random);
                w.write(line);
                w.write('\n');
                written += line.length() + 1;
                if (written >= next) {
                    progress.accept(Math.min(written, targetBytes));
                    next += step;
                }
            }
        }
        progress.accept(targetBytes);
        return rows;
    }

    static String row(long id, SplittableRandom r) {
        String[] group = NEIGHBOURHOODS[r.nextInt(NEIGHBOURHOODS.length)];
        String neighbourhood = group[1 + r.nextInt(group.length - 1)];
        String room = ROOM_TYPES[weighted(r)];
        int base = switch (room) {
            case "Entire home/apt" -> 180;
            case "Hotel room" -> 220;
            case "Private room" -> 85;
            default -> 50;
        };
        int price = base / 2 + r.nextInt(base * 2);
        int reviews = r.nextInt(300);
        String lastReview = reviews == 0 ? "" : String.format(Locale.ROOT, "20%02d-%02d-%02d",
                15 + r.nextInt(10), 1 + r.nextInt(12), 1 + r.nextInt(28));
        String perMonth = reviews == 0 ? "" : String.format(Locale.ROOT, "%.2f", reviews / (1.0 + r.nextInt(60)));
        return String.format(Locale.ROOT, "%d,%s %s in %s,%d,%s,%s,%.5f,%.5f,%s,%d,%d,%d,%s,%s,%d",
                id, ADJECTIVES[r.nextInt(ADJECTIVES.length)], NOUNS[r.nextInt(NOUNS.length)], neighbourhood,
                1000 + r.nextInt(900_000), group[0], neighbourhood,
                40.5 + r.nextDouble() * 0.4, -74.2 + r.nextDouble() * 0.5,
                room, price, 1 + r.nextInt(30), reviews, lastReview, perMonth, r.nextInt(366));
    }

    private static int weighted(SplittableRandom r) {
        int x = r.nextInt(100);
        return x < 52 ? 0 : x < 93 ? 1 : x < 97 ? 2 : 3;
    }
}
