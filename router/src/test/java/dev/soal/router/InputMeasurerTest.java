package dev.soal.router;

import dev.soal.core.JobRejectedException;
import dev.soal.core.Measurement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InputMeasurerTest {
    private static EmbeddedS3Fixture s3;

    @BeforeAll
    static void start() throws Exception {
        s3 = new EmbeddedS3Fixture("soal-data");
        // more than one ListObjectsV2 page (1,000 keys)
        IntStream.range(0, 1_005).parallel().forEach(i -> s3.put("soal-data", "many/part-" + i, "0123456789"));
        s3.put("soal-data", "spark-out/part-0.parquet", "abc");
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @Test
    void prefixSpanningPages_isSummedWhole() {
        try (InputMeasurer m = new InputMeasurer(s3.s3, 2, Duration.ofSeconds(30))) {
            Measurement measured = m.measure(List.of("s3://soal-data/many/"));
            assertThat(measured.objectCount()).isEqualTo(1_005);
            assertThat(measured.totalBytes()).isEqualTo(10_050);
        }
    }

    @Test
    void folderNamedWithoutTrailingSlash_isMeasuredAsAPrefix() {
        try (InputMeasurer m = new InputMeasurer(s3.s3, 2, Duration.ofSeconds(30))) {
            assertThat(m.measure(List.of("s3://soal-data/spark-out")).totalBytes()).isEqualTo(3);
        }
    }

    @Test
    void missingBucket_isRejected() {
        try (InputMeasurer m = new InputMeasurer(s3.s3, 2, Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> m.measure(List.of("s3://no-such-bucket/x/")))
                    .isInstanceOf(JobRejectedException.class)
                    .hasMessageContaining("bucket 'no-such-bucket' does not exist");
        }
    }

    @Test
    void parallelismMustBePositive() {
        assertThatThrownBy(() -> new InputMeasurer(s3.s3, 0, Duration.ofSeconds(1)))
                .hasMessage("parallelism must be >= 1, but was 0");
    }
}
