package dev.soal.router.cli;

import dev.soal.router.examples.ListingsGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** generate-listings' progress: the bar's line, and the generator's reports, rising to the whole size. */
class ProgressBarTest {
    @TempDir
    Path dir;

    @Test
    void theBar_fillsWithTheShareDone_andSaysHowMuchOfHowMuch() {
        assertThat(ProgressBar.line(512L << 20, 1L << 30, 10)).isEqualTo("[#####.....]  50% 512 MB of 1 GB");
        assertThat(ProgressBar.line(0, 1L << 30, 4)).isEqualTo("[....]   0% 0 B of 1 GB");
        assertThat(ProgressBar.line(2L << 30, 1L << 30, 4)).startsWith("[####] 100%");
    }

    @Test
    void theGenerator_reportsAboutEveryPercent_risingToTheWholeSize() throws Exception {
        List<Long> seen = new ArrayList<>();
        ListingsGenerator.write(dir.resolve("l.csv"), 1L << 20, 7, seen::add);
        assertThat(seen).hasSizeBetween(90, 110).isSorted();
        assertThat(seen.get(seen.size() - 1)).isEqualTo(1L << 20);
        assertThat(Files.size(dir.resolve("l.csv"))).isGreaterThanOrEqualTo(1L << 20);
    }
}
