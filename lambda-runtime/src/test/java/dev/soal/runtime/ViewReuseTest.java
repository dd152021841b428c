package dev.soal.runtime;

import dev.soal.core.RunnerArgs;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.columnar.InMemoryRelation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A view later statements read twice is computed once, when caching it changes no result, and dropped after the job. */
class ViewReuseTest {
    private static SparkSession spark;
    private static Path big;
    private static Path small;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startSpark() throws Exception {
        SparkSession.Builder b = SparkSession.builder();
        SparkSettings.lambda(1, tmp.resolve("lambda-tmp")).forEach(b::config);
        spark = b.getOrCreate();
        big = tmp.resolve("big.csv");
        small = tmp.resolve("small.csv");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 1_000; i++) {
            rows.append(i % 7).append(',').append(i).append(",padding-padding-padding\n");
        }
        Files.writeString(small, rows);
        try (var out = Files.newBufferedWriter(big)) {
            while (Files.size(big) < ViewReuse.MIN_BYTES + (1 << 20)) {
                for (int i = 0; i < 50; i++) {
                    out.write(rows.toString());
                }
                out.flush();
            }
        }
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private static final String SCRIPT = """
            CREATE OR REPLACE TEMPORARY VIEW rows (k INT, v INT, pad STRING) USING csv OPTIONS (path '${input}');
            CREATE OR REPLACE TEMPORARY VIEW sums AS SELECT k, sum(v) AS s FROM rows GROUP BY k;
            SELECT count(*) AS groups FROM sums;
            SELECT k, s FROM sums ORDER BY k;
            """;

    @Test
    void readsAreCountedAfterTheDefinition_upToARedefinition_inItsBodyOnly() {
        List<SqlScript.Statement> st = SqlScript.split("""
                CREATE TEMP VIEW a AS SELECT 1 AS x;
                SELECT * FROM a;
                CREATE OR REPLACE TEMPORARY VIEW `a` AS SELECT x + 1 AS x FROM a;
                SELECT * FROM a JOIN a_b;
                CREATE OR REPLACE TEMPORARY VIEW b AS SELECT 2;
                """);
        assertThat(ViewReuse.viewDefined(st.get(0))).isEqualTo("a");
        assertThat(ViewReuse.viewDefined(st.get(2))).isEqualTo("a");
        assertThat(ViewReuse.viewDefined(st.get(1))).isNull();
        // the SELECT and the redefinition's body; not the statement after it, whose a is the new view, nor a_b
        assertThat(ViewReuse.readsAfter(st, 0, "a")).isEqualTo(2);
        assertThat(ViewReuse.readsAfter(st, 2, "a")).isEqualTo(1);
        assertThat(ViewReuse.readsAfter(st, 4, "b")).isZero();
    }

    @Test
    void aViewReadTwiceOverFiles_isServedFromTheCache_untilTheJobEnds() {
        SparkSession s = spark.newSession();
        List<SqlScript.Statement> st = SqlScript.split(SCRIPT.replace("${input}", big.toString()));
        try (ViewReuse reuse = new ViewReuse(s, st)) {
            s.sql(st.get(0).text());
            assertThat(reuse.afterStatement(0, List.of())).as("rows is read once, by sums").isNull();
            s.sql(st.get(1).text());
            assertThat(reuse.afterStatement(1, List.of(st.get(2).text(), st.get(3).text())))
                    .isEqualTo("view sums is read by 2 later statements: computed once, cached for this job");
            assertThat(usesCache(s, st.get(3).text())).isTrue();
            assertThat(s.sql(st.get(2).text()).first().getLong(0)).isEqualTo(7);
        }
        assertThat(spark.sharedState().cacheManager().isEmpty()).as("dropped when the job ends").isTrue();
        assertThat(usesCache(s, "SELECT k, s FROM sums")).isFalse();
    }

    @Test
    void aViewOverATable_smallFiles_ortheFilesALaterStatementWrites_isNotCached() throws Exception {
        SparkSession s = spark.newSession();
        s.sql("CREATE TABLE t USING parquet AS SELECT id % 7 AS k, id AS v FROM range(100)");
        s.sql("CREATE OR REPLACE TEMPORARY VIEW tv AS SELECT k, sum(v) AS s FROM t GROUP BY k");
        List<SqlScript.Statement> st = SqlScript.split("""
                CREATE OR REPLACE TEMPORARY VIEW tv AS SELECT k, sum(v) AS s FROM t GROUP BY k;
                SELECT * FROM tv; INSERT INTO t VALUES (1, 1); SELECT * FROM tv;
                """);
        try (ViewReuse reuse = new ViewReuse(s, st)) {
            assertThat(reuse.afterStatement(0, List.of())).startsWith("view tv is read by 2 later statements, not cached: it reads ")
                    .endsWith(", which may change during the job");
        }
        for (Path csv : List.of(small, big)) {
            List<SqlScript.Statement> files = SqlScript.split(SCRIPT.replace("${input}", csv.toString()));
            s.sql(files.get(0).text());
            s.sql(files.get(1).text());
            try (ViewReuse reuse = new ViewReuse(s, files)) {
                String note = reuse.afterStatement(1, csv == small ? List.of() : List.of("INSERT OVERWRITE DIRECTORY '" + csv + "' SELECT 1"));
                assertThat(note).contains("not cached: " + (csv == small ? "it reads " + Files.size(small) / 1024 + " KB, where a second read costs less than the cache"
                        : "a later statement names its files or a folder of them (" + csv + ")"));
            }
        }
        // a later statement that writes the folder the files are in, by any spelling of it
        List<SqlScript.Statement> files = SqlScript.split(SCRIPT.replace("${input}", big.toString()));
        s.sql(files.get(0).text());
        s.sql(files.get(1).text());
        try (ViewReuse reuse = new ViewReuse(s, files)) {
            assertThat(reuse.afterStatement(1, List.of("INSERT OVERWRITE DIRECTORY \"file:" + big.getParent() + "/\" USING csv SELECT 1")))
                    .endsWith("not cached: a later statement names its files or a folder of them (" + big.getParent() + ")");
        }
        // a subquery over a table, and the current time: neither may be frozen for the job
        for (String body : List.of("SELECT k, s FROM sums WHERE k IN (SELECT k FROM t)", "SELECT k, s, current_timestamp() AS at FROM sums")) {
            List<SqlScript.Statement> more = SqlScript.split("CREATE OR REPLACE TEMPORARY VIEW q AS " + body + "; SELECT * FROM q; SELECT * FROM q;");
            s.sql(more.get(0).text());
            try (ViewReuse reuse = new ViewReuse(s, more)) {
                assertThat(reuse.afterStatement(0, List.of())).contains("not cached: ")
                        .contains(body.contains("IN (") ? "it holds a subquery" : "it reads the current time");
            }
        }
        s.sql("DROP TABLE t");
        assertThat(spark.sharedState().cacheManager().isEmpty()).isTrue();
    }

    @Test
    void theRunnerSaysWhatItCached_andLeavesNothingCached() {
        PrintStream was = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        JobRunner.Result r;
        try {
            r = new JobRunner(uri -> SCRIPT.getBytes(StandardCharsets.UTF_8)).runSql(spark.newSession(), new RunnerArgs("reuse-job", null,
                    "s3://b/s.sql", null, List.of(big.toString()), null, java.util.Map.of(), null), SCRIPT);
        } finally {
            System.setOut(was);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("statement 2/4: view sums is read by 2 later statements: computed once, cached for this job");
        assertThat(r.printed()).contains("| 6 |");
        assertThat(spark.sharedState().cacheManager().isEmpty()).isTrue();
    }

    private static boolean usesCache(SparkSession s, String sql) {
        return !s.sql(sql).queryExecution().withCachedData().collect(new scala.runtime.AbstractPartialFunction<
                org.apache.spark.sql.catalyst.plans.logical.LogicalPlan, Object>() {
            @Override
            public boolean isDefinedAt(org.apache.spark.sql.catalyst.plans.logical.LogicalPlan p) {
                return p instanceof InMemoryRelation;
            }

            @Override
            public Object apply(org.apache.spark.sql.catalyst.plans.logical.LogicalPlan p) {
                return p;
            }
        }).isEmpty();
    }
}
