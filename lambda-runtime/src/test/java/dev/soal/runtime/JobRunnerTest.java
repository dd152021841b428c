package dev.soal.runtime;

import dev.soal.core.RunnerArgs;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runner on a real local Spark session with the Lambda settings, over local files. */
class JobRunnerTest {
    private static SparkSession spark;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startSpark() {
        SparkSession.Builder b = SparkSession.builder();
        SparkSettings.lambda(1, tmp.resolve("lambda-tmp")).forEach(b::config);
        spark = b.getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void progress_namesTheRunningStatement_andTheTasksOfItsRunningStage() throws Exception {
        SparkSession own = spark.newSession();
        own.sparkContext().setJobGroup("progress-job", "soal job progress-job", true);
        RunProgress progress = new RunProgress(own.sparkContext(), "progress-job");
        assertThat(progress.now(java.time.Instant.now())).as("nothing runs yet").isNull();
        java.util.List<dev.soal.core.JobProgress> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        RunControl control = new RunControl() {
            @Override
            public boolean cancelled() {
                return false;
            }

            @Override
            public void statement(int index, int count, String sql) {
                told.add(index + "/" + count + " " + dev.soal.core.JobProgress.shorten(sql));
                progress.statement(index, count, sql);
            }
        };
        Thread watcher = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                dev.soal.core.JobProgress p = progress.now(java.time.Instant.now());
                if (p != null) {
                    seen.add(p);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        try {
            // four tasks of 400 ms each, one at a time on local[1]
            new JobRunner(uri -> new byte[0]).runSql(own, new RunnerArgs("progress-job", null, "s3://b/s.sql", null, List.of(), null,
                    java.util.Map.of(), null), """
                    -- first, nothing for Spark to run
                    CREATE OR REPLACE TEMPORARY VIEW slow AS
                      SELECT java_method('java.lang.Thread', 'sleep', 400L) AS s FROM range(0, 4, 1, 4);
                    SELECT count(s) FROM slow;
                    """, control);
        } finally {
            watcher.interrupt();
            watcher.join();
            own.sparkContext().clearJobGroup();
        }
        assertThat(seen).anySatisfy(p -> {
            assertThat(p.statement()).isEqualTo(2);
            assertThat(p.statements()).isEqualTo(2);
            assertThat(p.text()).isEqualTo("SELECT count(s) FROM slow");
            assertThat(p.stagesRunning()).isEqualTo(1);
            assertThat(p.tasksTotal()).isEqualTo(4);
            assertThat(p.tasksDone()).isBetween(0, 3);
            assertThat(p.describe()).startsWith("statement 2/2 (SELECT count(s) FROM slow): ").endsWith("/4 tasks in 1 stage");
        });
        // each statement is told as it starts, its comments left out
        assertThat(told).containsExactly("1/2 CREATE OR REPLACE TEMPORARY VIEW slow AS SELECT java_method('java.lang.Thread...",
                "2/2 SELECT count(s) FROM slow");
    }

    @Test
    void runsStatementsWithVariables_writesOutput_andPrintsTheLastQuery() throws Exception {
        Path csv = Files.writeString(tmp.resolve("in.csv"), "city,amount\nOslo,3\nLima,4\nOslo,5\n");
        Path out = tmp.resolve("out");
        String sql = """
                CREATE OR REPLACE TEMPORARY VIEW t (city STRING, amount INT)
                  USING csv OPTIONS (path '${input}', header 'true');
                -- a comment; with a semicolon
                INSERT OVERWRITE DIRECTORY '${output}' USING parquet
                  SELECT city, sum(amount) * ${factor} AS total FROM t GROUP BY city;
                SELECT city, sum(amount) AS total, '${event}' AS ev FROM t GROUP BY city ORDER BY city
                """;
        RunnerArgs job = new RunnerArgs("j1", null, "s3://soal-scripts/x.sql", null, List.of(csv.toUri().toString()),
                out.toUri().toString(), Map.of("factor", "10"), "{\"k\":1}");

        JobRunner.Result r = new JobRunner((dev.soal.core.S3Uri uri) -> new byte[0]).runSql(spark.newSession(), job, sql);

        assertThat(r.statements()).isEqualTo(3);
        assertThat(r.printed()).contains("| Lima | 4     | {\"k\":1} |").contains("| Oslo | 8     |");
        List<Row> written = spark.read().parquet(out.toString()).orderBy("city").collectAsList();
        assertThat(written).extracting(Row::toString).containsExactly("[Lima,40]", "[Oslo,80]");
    }

    @Test
    void jobsSparkConf_appliesToItsSessionOnly() {
        RunnerArgs job = new RunnerArgs("j5", null, "s3://soal-scripts/x.sql", null, List.of(), null, Map.of(), null,
                Map.of("spark.sql.shuffle.partitions", "7"));
        SparkSession own = spark.newSession();
        JobRunner.applySparkConf(own, job);
        JobRunner.Result r = new JobRunner((dev.soal.core.S3Uri uri) -> new byte[0]).runSql(own, job,
                "SELECT '${input}' AS i; SET spark.sql.shuffle.partitions");
        assertThat(r.printed()).contains("| spark.sql.shuffle.partitions | 7");
        assertThat(spark.conf().get("spark.sql.shuffle.partitions")).isNotEqualTo("7");

        RunnerArgs fixedAtStart = new RunnerArgs("j6", null, "s3://soal-scripts/x.sql", null, List.of(), null, Map.of(), null,
                Map.of("spark.driver.memory", "64g"));
        assertThatThrownBy(() -> JobRunner.applySparkConf(spark.newSession(), fixedAtStart))
                .hasMessageStartingWith("spark conf spark.driver.memory cannot be set for one job");
    }

    @Test
    void failingStatement_namesItsNumberAndLine() {
        RunnerArgs job = new RunnerArgs("j2", null, "s3://soal-scripts/x.sql", null, List.of(), null, Map.of(), null);
        assertThatThrownBy(() -> new JobRunner((dev.soal.core.S3Uri uri) -> new byte[0]).runSql(spark.newSession(), job, "SELECT 1;\n\nSELECT * FROM missing_table"))
                .hasMessageStartingWith("statement 2 (line 3) failed:")
                .hasMessageContaining("missing_table");
    }

    @Test
    void craftedValues_areReadAsData_bySpark() {
        String crafted = "x'); SELECT * FROM csv.`s3://outside/secret` -- \\ \" ` ${input} \u00e9";
        RunnerArgs job = new RunnerArgs("j7", null, "s3://soal-scripts/x.sql", null, List.of(), null,
                Map.of("v", crafted), null);
        JobRunner.Result r = new JobRunner((dev.soal.core.S3Uri uri) -> new byte[0]).runSql(spark.newSession(), job,
                "SELECT length('${v}') AS a, length(\"${v}\") AS b, length(:v) AS c, '${v}' = :v AS same");
        int n = crafted.length();
        assertThat(r.printed()).contains("| " + n + " | " + n + " | " + n + " | true |");
    }

    @Test
    void tableAndNamespaceNames_fromVariables_gluedOrWhole_reachSpark() {
        RunnerArgs job = new RunnerArgs("j9", null, "s3://soal-scripts/x.sql", null, List.of(), null,
                Map.of("day", "d20261201", "tenant", "acme", "whole", "acme.refunds"), null);
        JobRunner.Result r = new JobRunner((dev.soal.core.S3Uri uri) -> new byte[0]).runSql(spark.newSession(), job, """
                CREATE DATABASE IF NOT EXISTS ${tenant};
                CREATE TABLE ${tenant}.daily_${day} (id BIGINT, amount INT) USING parquet;
                INSERT INTO ${tenant}.daily_${day} VALUES (1, 10), (2, 20);
                CREATE TABLE IDENTIFIER(:whole) (id BIGINT) USING parquet;
                INSERT INTO IDENTIFIER(:whole) SELECT id FROM ${tenant}.daily_${day} WHERE amount > 10;
                SELECT (SELECT sum(amount) FROM acme.daily_d20261201) AS total, (SELECT max(id) FROM IDENTIFIER(:whole)) AS refunded
                """);
        assertThat(r.printed()).contains("| 30    | 2        |");
    }

    @Test
    void parseErrors_keepSparksReasonAndErrorClass() {
        RunnerArgs job = new RunnerArgs("j8", null, "s3://soal-scripts/x.sql", null, List.of(), null, Map.of(), null);
        assertThatThrownBy(() -> new JobRunner((dev.soal.core.S3Uri uri) -> new byte[0]).runSql(spark.newSession(), job, "SELEC 1"))
                .hasMessageStartingWith("statement 1 (line 1) failed: [PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'");
    }

    @Test
    void jarScript_callsTheMainClassWithInputOutputAndArguments() throws Exception {
        Path jar = tmp.resolve("user-job.jar");
        String entry = "dev/soal/runtime/sample/CountCities.class";
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
             var in = getClass().getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            in.transferTo(out);
        }
        Path csv = Files.writeString(tmp.resolve("cities.csv"), "city\nOslo\nLima\nOslo\n");
        Path out = tmp.resolve("jar-out");
        RunnerArgs job = new RunnerArgs("j3", null, "s3://soal-scripts/user-job.jar", "dev.soal.runtime.sample.CountCities",
                List.of(csv.toUri().toString()), out.toUri().toString(), Map.of("label", "listings"), null);

        new JobRunner((dev.soal.core.S3Uri uri) -> new byte[0]).runJar(spark.newSession(), job, jar);

        assertThat(spark.read().json(out.toString()).orderBy("city").collectAsList()).extracting(Row::toString)
                .containsExactly("[Lima,1]", "[Oslo,2]");
        assertThat(spark.read().json(out.toString()).columns()).contains("listings");
    }

    @Test
    void jarWithoutTheMainClass_failsClearly() throws Exception {
        Path jar = tmp.resolve("empty.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry("README"));
        }
        RunnerArgs job = new RunnerArgs("j4", null, "s3://soal-scripts/empty.jar", "com.example.Missing",
                List.of(), null, Map.of(), null);
        assertThatThrownBy(() -> new JobRunner((dev.soal.core.S3Uri uri) -> new byte[0]).runJar(spark.newSession(), job, jar))
                .hasMessage("jar s3://soal-scripts/empty.jar has no main class com.example.Missing with main(String[])");
    }

    @Test
    void coresFollowLambdaMemory() {
        assertThat(SparkSettings.coresFor(1769, 8)).isEqualTo(1);
        assertThat(SparkSettings.coresFor(10240, 8)).isEqualTo(6);
        assertThat(SparkSettings.coresFor(10240, 2)).isEqualTo(2);
        assertThat(SparkSettings.coresFor(128, 2)).isEqualTo(1);
    }

    @Test
    void aCommitConflict_isDescribedAsOne_whereverItIsInTheCauses() {
        Exception spark = new RuntimeException("Job aborted.", new org.apache.iceberg.exceptions.CommitFailedException(
                "Cannot commit soal.ns.t: metadata location has changed"));
        assertThat(JobRunner.describe(spark)).isEqualTo("the table changed while this job wrote to it: another writer "
                + "committed first, and this job's commit conflicts with it, so nothing of this job was committed; run the "
                + "job again (CommitFailedException: Cannot commit soal.ns.t: metadata location has changed)");
        // a statement's failure keeps its own words, which already say so
        dev.soal.core.SoalException statement = new dev.soal.core.SoalException("statement 2 (line 4) failed: "
                + JobRunner.describe(spark), spark, false);
        assertThat(JobRunner.describe(statement)).startsWith("statement 2 (line 4) failed: the table changed");
        assertThat(JobRunner.describe(new IllegalStateException("disk full"))).isEqualTo("disk full");
        // Iceberg's validation of a name is no conflict; its validation of another commit's files is
        assertThat(JobRunner.describe(new org.apache.iceberg.exceptions.ValidationException(
                "Invalid Glue table name Daily: must be 1-255 chars of lowercase letters, numbers and underscore")))
                .startsWith("Invalid Glue table name Daily");
        assertThat(JobRunner.describe(new org.apache.iceberg.exceptions.ValidationException(
                "Found conflicting files that can contain records matching ref(name=\"id\") <= 5: [s3://b/f.parquet]")))
                .startsWith("the table changed while this job wrote to it").endsWith("<= 5: [s3://b/f.parquet])");
    }
}
