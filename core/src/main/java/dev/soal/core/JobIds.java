package dev.soal.core;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Job ids that sort by creation time: {@code 20261125-114420-3f9c2a1b}. */
public final class JobIds {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {
    }

    public static String next(Instant now) {
        return STAMP.format(now) + "-" + String.format("%08x", RANDOM.nextInt());
    }
}
