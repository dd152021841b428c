package dev.soal.router.cli;

import dev.soal.core.Sizes;

import java.util.Locale;

/** A progress bar as one line: {@code [###############...............]  50% 512 MB of 1 GB}. */
final class ProgressBar {
    private ProgressBar() {
    }

    static String line(long done, long total, int width) {
        double share = total <= 0 ? 1 : Math.max(0, Math.min(1, (double) done / total));
        int filled = (int) Math.round(share * width);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
                + String.format(Locale.ROOT, "%3d%%", Math.round(share * 100)) + " " + Sizes.format(done) + " of " + Sizes.format(total);
    }
}
