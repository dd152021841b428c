package dev.soal.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobRequestTest {

    @Test
    void rejectsScriptsThatAreNeitherSqlNorJar() {
        assertThatThrownBy(() -> new JobRequest("s3://soal-scripts/job.py", null, List.of("s3://soal-data/a"),
                null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must end in .sql or .jar")
                .hasMessageContaining("job.py");
    }

    @Test
    void jarNeedsMainClass() {
        assertThatThrownBy(() -> new JobRequest("s3://soal-scripts/job.jar", null, List.of("s3://soal-data/a"),
                null, null, null, null, null))
                .hasMessageContaining("mainClass must be set");
    }

    @Test
    void rejectsPathTraversalAndBadBuckets() {
        assertThatThrownBy(() -> S3Uri.parse("s3://soal-data/a/../secrets"))
                .hasMessageContaining("'..'");
        assertThatThrownBy(() -> S3Uri.parse("s3://Bad_Bucket/x"))
                .hasMessageContaining("bucket must be a valid S3 bucket name");
        assertThatThrownBy(() -> S3Uri.parse("/tmp/x.csv"))
                .hasMessageContaining("not an S3 URI");
    }

    @Test
    void reservedArgumentNamesAreRejected() {
        assertThatThrownBy(() -> new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/a"),
                null, Map.of("input", "x"), null, null, null))
                .hasMessageContaining("reserved");
    }

    @Test
    void runnerArgs_roundTrip_andSkipUnknownFlags() {
        RunnerArgs args = new RunnerArgs("j1", "s3://soal-jobs/", "s3://soal-scripts/job.sql", null,
                List.of("s3://soal-data/a,b.csv", "s3://soal-data/c/"), "s3://soal-output/o/", Map.of("day", "1"), "{\"x\":1}");
        List<String> argv = new java.util.ArrayList<>(List.of("--JOB_NAME", "soal-runner", "--enable-metrics",
                "--TempDir", "s3://tmp/"));
        argv.addAll(args.toArgs());
        assertThat(RunnerArgs.parse(argv.toArray(String[]::new))).isEqualTo(args);
    }

    @Test
    void runnerArgs_carryTheCatalog_andRefuseABadOne() {
        RunnerArgs args = new RunnerArgs("j1", "s3://soal-jobs/", "s3://soal-scripts/job.sql", null, List.of(), null,
                Map.of(), null, Map.of(), TableSettings.glue("s3://soal-data/warehouse"));
        assertThat(args.tables().warehouse()).isEqualTo("s3://soal-data/warehouse/");
        assertThat(args.toMap()).containsEntry("--catalog", "glue").containsEntry("--warehouse", "s3://soal-data/warehouse/");
        assertThat(RunnerArgs.parse(args.toArgs().toArray(String[]::new))).isEqualTo(args);
        // without the flags the runner's environment decides
        assertThat(RunnerArgs.parse(new String[]{"--job-id", "j1", "--script", "s3://b/s.sql"}).tables())
                .isEqualTo(TableSettings.none());
        assertThatThrownBy(() -> RunnerArgs.parse(new String[]{"--job-id", "j1", "--script", "s3://b/s.sql",
                "--catalog", "hive", "--warehouse", "s3://soal-data/w/"}))
                .hasMessage("the soal catalog (SOAL_CATALOG, --catalog) must be 'glue' or a JDBC URL, but was 'hive'");
        assertThatThrownBy(() -> TableSettings.glue("/tmp/warehouse"))
                .hasMessageContaining("s3://bucket/prefix/").hasMessageContaining("'/tmp/warehouse'");
    }

    @Test
    void sizes_parseAndFormat() {
        assertThat(Sizes.parse("400MB")).isEqualTo(400L * 1024 * 1024);
        assertThat(Sizes.parse("1.5 gb")).isEqualTo(1536L * 1024 * 1024);
        assertThat(Sizes.format(536_870_912L + 314_572L)).isEqualTo("512.3 MB");
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("'lots'");
    }
}
