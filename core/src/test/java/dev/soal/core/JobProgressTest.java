package dev.soal.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobProgressTest {
    private static final Instant AT = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void itReadsAsTheStatementAndItsStagesTasks() {
        assertThat(new JobProgress(2, 4, "SELECT 1", 1, 3, 8, AT).describe()).isEqualTo("statement 2/4 (SELECT 1): 3/8 tasks in 1 stage");
        assertThat(new JobProgress(1, 4, "CREATE VIEW v AS SELECT 1", 0, 0, 0, AT).describe()).isEqualTo("statement 1/4 (CREATE VIEW v AS SELECT 1)");
        // a jar's main class has no statements
        assertThat(new JobProgress(0, 0, null, 2, 10, 40, AT).describe()).isEqualTo("running: 10/40 tasks in 2 stages");
    }

    @Test
    void aStatementIsShortenedToOneLine_withoutItsComments() {
        assertThat(JobProgress.shorten("-- the busiest\n/* block */ SELECT a,\n   b\nFROM t")).isEqualTo("SELECT a, b FROM t");
        String long_ = JobProgress.shorten("SELECT " + "x, ".repeat(50) + "y FROM t");
        assertThat(long_).hasSize(JobProgress.TEXT).endsWith("...");
    }

    @Test
    void movedIsJudgedWithoutTheTime() {
        JobProgress p = new JobProgress(2, 4, "SELECT 1", 1, 3, 8, AT);
        assertThat(p.sameAs(new JobProgress(2, 4, "SELECT 1", 1, 3, 8, AT.plusSeconds(5)))).isTrue();
        assertThat(p.sameAs(new JobProgress(2, 4, "SELECT 1", 1, 4, 8, AT))).isFalse();
        assertThat(p.sameAs(null)).isFalse();
    }

    @Test
    void impossibleCountsAreRefused() {
        assertThatThrownBy(() -> new JobProgress(1, 2, "x", 1, 9, 8, AT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("9/8");
    }

    @Test
    void itRoundTripsThroughTheRecordsJson() {
        JobProgress p = new JobProgress(2, 4, "SELECT 1", 1, 3, 8, AT);
        assertThat(Json.read(Json.write(p), JobProgress.class)).isEqualTo(p);
    }
}
