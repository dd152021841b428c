package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.embedded.EmbeddedStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tables on the embedded stack: the catalog {@code soal} (Iceberg's JDBC catalog on the stack's H2 server) and
 * Delta tables by path, written by jobs on the Lambda path (the handler in its own JVM) and on the standalone
 * cluster (a spark-submit driver), which see the same tables.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class TablesIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final List<String> OUTPUT = new CopyOnWriteArrayList<>();
    private static EmbeddedStack stack;
    private static Path home;
    private static String input;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("soal-tables-it");
        stack = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(ROOT),
                PolicyLoader.load(Path.of(TablesIT.class.getResource("/it-policies.yaml").toURI())),
                line -> {
                    OUTPUT.add(line);
                    System.out.println("  | " + line);
                });
        // jobs that only touch tables still name an input, which sizes them
        input = stack.upload(Files.writeString(home.resolve("one.csv"), "a\n1\n"), EmbeddedStack.DATA, "tables/one.csv");
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void icebergAndDeltaTables_onBothPaths_withTheSameRows() throws Exception {
        String script = script("tables.sql");

        JobRecord small = run(job(script, Map.of("ns", "on_lambda"), false));
        JobRecord large = run(job(script, Map.of("ns", "on_cluster"), true));

        assertThat(small.decision().backend()).isEqualTo(Backend.LAMBDA);
        assertThat(large.decision().backend()).isEqualTo(Backend.STANDALONE);
        assertThat(small.state()).as(small.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(large.state()).as(large.message()).isEqualTo(JobState.SUCCEEDED);
        // id, Iceberg price (merged: 2 -> 25, 4 inserted, 1 deleted), Delta price (4 doubled by UPDATE, 3 merged
        // to 33, 5 inserted then deleted), rows at the Iceberg tag 'first' (3), the Delta table's largest price at
        // version 0 (40)
        List<String> expected = List.of("2,25.0,25.0,3,40.0", "3,30.0,33.0,3,40.0", "4,40.0,80.0,3,40.0");
        assertThat(csvRows(small.request().outputUri())).isEqualTo(expected);
        assertThat(csvRows(large.request().outputUri())).isEqualTo(expected);
    }

    @Test
    void tableNamesFromVariables_gluedIntoNamesOrWhole_onBothPaths_withTheSameRows() throws Exception {
        String script = script("named_by_variables.sql");
        JobRecord small = run(job(script, Map.of("tenant", "acme", "day", "d20261201", "orders", "soal.acme.orders"), false));
        JobRecord large = run(job(script, Map.of("tenant", "acme_eu", "day", "d20261201", "orders", "soal.acme_eu.orders"), true));
        assertThat(small.state()).as(small.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(large.state()).as(large.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(large.decision().backend()).isEqualTo(Backend.STANDALONE);
        List<String> expected = List.of("1,10,", "2,20,40", "3,30,60");
        assertThat(csvRows(small.request().outputUri())).isEqualTo(expected);
        assertThat(csvRows(large.request().outputUri())).isEqualTo(expected);

        // a crafted value is refused on either path, naming the variable; nothing ran
        for (boolean onTheCluster : List.of(false, true)) {
            JobRecord crafted = run(job(script, Map.of("tenant", "x; DROP TABLE t", "day", "d1", "orders", "soal.x.orders"),
                    onTheCluster));
            assertThat(crafted.state()).isEqualTo(JobState.FAILED);
            assertThat(crafted.message()).contains("variable ${tenant} stands outside quotes")
                    .contains("but its value was 'x; DROP TABLE t'");
        }
    }

    @Test
    void twoWritersAppendingAtOnce_commitFromTheSameSnapshot_theLoserRetries_andNoRowIsLost() throws Exception {
        assertThat(run(job(script("create.sql"), Map.of("ns", "writers"), false)).state()).isEqualTo(JobState.SUCCEEDED);
        String append = script("append.sql");

        // both commit from the empty table's metadata
        List<JobRecord> writers = atOnce(append, "writers", "events");
        JobRecord a = writers.get(0);
        JobRecord b = writers.get(1);
        assertThat(a.state()).as(a.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(b.state()).as(b.message()).isEqualTo(JobState.SUCCEEDED);

        JobRecord counted = run(job(script("count.sql"), Map.of("ns", "writers"), false));
        assertThat(counted.state()).as(counted.message()).isEqualTo(JobState.SUCCEEDED);
        // every row of both writers, in two commits after the empty table's creation: the loser's first
        // attempt found the table moved on, and Iceberg applied its append again on the winner's snapshot
        assertThat(csvRows(counted.request().outputUri())).containsExactly("a,1000,2", "b,1000,2");
    }

    @Test
    void twoWritersUpdatingTheSameRowsAtOnce_oneWins_theOtherFailsSayingWhy_andNoRowIsLost() throws Exception {
        assertThat(run(job(script("accounts.sql"), Map.of("ns", "claims"), false)).state()).isEqualTo(JobState.SUCCEEDED);
        String claim = script("claim.sql");

        List<JobRecord> writers = atOnce(claim, "claims", "accounts");
        JobRecord a = writers.get(0);
        JobRecord b = writers.get(1);

        // both rewrote the same data file from the same snapshot: Iceberg takes one, and refuses the other's
        // retry (its rows were changed since it read them)
        List<JobRecord> both = List.of(a, b);
        assertThat(both).extracting(JobRecord::state).as(a.message() + " / " + b.message())
                .containsExactlyInAnyOrder(JobState.SUCCEEDED, JobState.FAILED);
        JobRecord winner = a.state() == JobState.SUCCEEDED ? a : b;
        JobRecord loser = winner == a ? b : a;
        assertThat(loser.message()).startsWith("statement 1 (line 2) failed: the table changed while this job wrote to it: "
                + "another writer committed first").contains("nothing of this job was committed; run the job again")
                .contains("ValidationException");

        JobRecord owners = run(job(script("owners.sql"), Map.of("ns", "claims"), false));
        assertThat(owners.state()).as(owners.message()).isEqualTo(JobState.SUCCEEDED);
        // the winner's five, the five nobody claimed; the insert's commit and the winner's
        assertThat(csvRows(owners.request().outputUri()))
                .containsExactly(winner.request().arguments().get("writer") + ",5,2", "nobody,5,2");
    }

    @Test
    void dailyDrops_mergeIntoAnIcebergTable_andTheChangesAreReadAgainstThePreviousSnapshot() throws Exception {
        String upsert = stack.upload(ROOT.resolve("examples/listings/daily_upsert.sql"), EmbeddedStack.SCRIPTS, "daily_upsert.sql");
        String changes = stack.upload(ROOT.resolve("examples/listings/changes.sql"), EmbeddedStack.SCRIPTS, "changes.sql");
        String day1 = stack.upload(ROOT.resolve("examples/listings/daily/2026-11-25.csv"), EmbeddedStack.DATA,
                "daily/2026-11-25.csv");
        String day2 = stack.upload(ROOT.resolve("examples/listings/daily/2026-11-26.csv"), EmbeddedStack.DATA,
                "daily/2026-11-26.csv");

        // the first day on the Lambda path, the second on the cluster: one table
        JobRecord first = run(new JobRequest(upsert, null, List.of(day1), null, null, null, null, null));
        JobRecord second = run(new JobRequest(upsert, null, List.of(day2), null, null, Map.of("path", "cluster"), null, null));
        JobRecord changed = run(new JobRequest(changes, null, List.of(day2), null, null, null, null, null));

        for (JobRecord j : List.of(first, second, changed)) {
            assertThat(j.state()).as(j.message()).isEqualTo(JobState.SUCCEEDED);
        }
        assertThat(second.decision().backend()).isEqualTo(Backend.STANDALONE);
        // the second drop: listings 31 to 35 with a price 25 higher, 36 to 40 as they were, 41 to 50 new
        List<String> rows = csvRows(changed.request().outputUri());
        assertThat(rows).hasSize(16).contains("id,neighbourhood,room_type,price_before,price_now,change");
        assertThat(rows.stream().filter(r -> r.endsWith(",price")).map(r -> r.split(",")[0]))
                .containsExactlyInAnyOrder("31", "32", "33", "34", "35");
        assertThat(rows.stream().filter(r -> r.endsWith(",new")).map(r -> r.split(",")[0]))
                .containsExactlyInAnyOrder("41", "42", "43", "44", "45", "46", "47", "48", "49", "50");
        assertThat(rows.stream().filter(r -> r.endsWith(",price")))
                .allMatch(r -> Integer.parseInt(r.split(",")[4]) - Integer.parseInt(r.split(",")[3]) == 25);
    }

    @Test
    void hudiIcebergAndDelta_readAsOfAnEarlierCommit_andHudiIncrementally_onBothPaths_withTheSameRows()
            throws Exception {
        // each path's first job, at once: first commits; the Hudi table created, inserted into, merged into
        JobRecord small = stack.jobs().submit(job(script("as_of_1.sql"), Map.of("ns", "asof_lambda"), false)).job();
        JobRecord large = stack.jobs().submit(job(script("as_of_1.sql"), Map.of("ns", "asof_cluster"), true)).job();
        for (JobRecord first : List.of(awaitEnd(small), awaitEnd(large))) {
            assertThat(first.state()).as(first.message()).isEqualTo(JobState.SUCCEEDED);
        }
        // a moment clearly between the two jobs' commits (Delta dates a commit by its file's S3 time, to the second),
        // also as a Hudi instant, in UTC on every path (the tests run in another zone: tests/pom.xml)
        Thread.sleep(1500);
        java.time.Instant now = java.time.Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String asOf = now.toString();
        String instant = DateTimeFormatter.ofPattern("yyyyMMddHHmmssSSS").withZone(java.time.ZoneOffset.UTC).format(now);
        Thread.sleep(1500);
        String second = script("as_of_2.sql");
        small = stack.jobs().submit(job(second, Map.of("ns", "asof_lambda", "asOf", asOf, "instant", instant), false)).job();
        large = stack.jobs().submit(job(second, Map.of("ns", "asof_cluster", "asOf", asOf, "instant", instant), true)).job();
        small = awaitEnd(small);
        large = awaitEnd(large);
        assertThat(small.state()).as(small.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(large.state()).as(large.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(small.decision().backend()).isEqualTo(Backend.LAMBDA);
        assertThat(large.decision().backend()).isEqualTo(Backend.STANDALONE);
        // Iceberg and Delta: one row then, two now. Hudi now: 3 paid by the second MERGE, 5 inserted by it, 1 doubled
        // by UPDATE, 4 deleted; then: after the first MERGE (2 paid, 4 inserted); since then: the rows the second job
        // changed, as they are now; both paths in UTC, as in AWS, though the tests' own zone is not
        List<String> expected = List.of("delta,1,2,", "iceberg,1,2,",
                "now,1,new,20.0", "now,2,paid,20.0", "now,3,paid,30.0", "now,5,new,50.0",
                "since,1,new,20.0", "since,3,paid,30.0", "since,5,new,50.0",
                "then,1,new,10.0", "then,2,paid,20.0", "then,3,new,30.0", "then,4,new,40.0", "zone,UTC,,");
        assertThat(csvRows(small.request().outputUri())).isEqualTo(expected);
        assertThat(csvRows(large.request().outputUri())).isEqualTo(expected);
    }

    /**
     * Writers a (on the Lambda path) and b (on the standalone cluster), each in its own process, run {@code script}
     * on {@code soal.<namespace>.<table>} and commit from the same snapshot: the table's catalog row is held until
     * both wait on it. Answers both, ended.
     */
    private static List<JobRecord> atOnce(String script, String namespace, String table) throws Exception {
        JobRecord a;
        JobRecord b;
        try (CommitGate gate = new CommitGate(namespace, table)) {
            b = stack.jobs().submit(job(script, Map.of("ns", namespace, "writer", "b"), true)).job();
            gate.awaitWaiting(1, b);
            a = stack.jobs().submit(job(script, Map.of("ns", namespace, "writer", "a"), false)).job();
            gate.awaitWaiting(2, a, b);
        }
        return List.of(awaitEnd(a), awaitEnd(b));
    }

    /**
     * Holds the catalog's row of one Iceberg table locked, in an open transaction: a writer's commit (Iceberg's
     * JDBC catalog swaps the table's metadata pointer by a conditional UPDATE of that row) waits on it. Closing
     * lets them all go at once, each committing from the metadata it read before.
     */
    private static final class CommitGate implements AutoCloseable {
        private final Connection db;
        private final int session;

        CommitGate(String namespace, String table) throws SQLException {
            db = DriverManager.getConnection(stack.tables().catalog(), "soal", "soal");
            db.setAutoCommit(false);
            try (ResultSet rs = db.createStatement().executeQuery("SELECT SESSION_ID()")) {
                rs.next();
                session = rs.getInt(1);
            }
            try (PreparedStatement lock = db.prepareStatement("SELECT metadata_location FROM iceberg_tables "
                    + "WHERE catalog_name = 'soal' AND table_namespace = ? AND table_name = ? FOR UPDATE")) {
                lock.setString(1, namespace);
                lock.setString(2, table);
                try (ResultSet rs = lock.executeQuery()) {
                    assertThat(rs.next()).as("the catalog holds soal.%s.%s", namespace, table).isTrue();
                }
            }
        }

        /** Until {@code writers} sessions wait on the row; fails if one of {@code jobs} ends first. */
        void awaitWaiting(int writers, JobRecord... jobs) throws Exception {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (true) {
                try (PreparedStatement waiting = db.prepareStatement(
                        "SELECT count(*) FROM information_schema.sessions WHERE blocker_id = ?")) {
                    waiting.setInt(1, session);
                    try (ResultSet rs = waiting.executeQuery()) {
                        rs.next();
                        if (rs.getInt(1) >= writers) {
                            return;
                        }
                    }
                }
                for (JobRecord j : jobs) {
                    JobRecord now = stack.jobs().refresh(j.id());
                    assertThat(now.state().isTerminal()).as("job %s ended before its commit: %s", j.id(), now.message()).isFalse();
                }
                assertThat(System.nanoTime()).as("%d writer(s) waiting on the catalog", writers).isLessThan(deadline);
                Thread.sleep(200);
            }
        }

        @Override
        public void close() throws SQLException {
            db.rollback();
            db.close();
        }
    }

    private static String script(String name) throws Exception {
        return stack.upload(Path.of(TablesIT.class.getResource("/tables/" + name).toURI()), EmbeddedStack.SCRIPTS, name);
    }

    private static JobRequest job(String script, Map<String, String> arguments, boolean onTheCluster) {
        return new JobRequest(script, null, List.of(input), null, arguments, onTheCluster ? Map.of("path", "cluster") : null,
                null, null);
    }

    private static JobRecord run(JobRequest request) throws InterruptedException {
        return awaitEnd(stack.jobs().submit(request).job());
    }

    private static JobRecord awaitEnd(JobRecord job) throws InterruptedException {
        while (!job.state().isTerminal()) {
            Thread.sleep(250);
            job = stack.jobs().refresh(job.id());
        }
        return job;
    }

    /** Every row of a CSV output folder (any number of part files), sorted. */
    private static List<String> csvRows(String outputUri) {
        String bucket = outputUri.substring(5, outputUri.indexOf('/', 5));
        String prefix = outputUri.substring(outputUri.indexOf('/', 5) + 1);
        return stack.s3().listObjectsV2(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .filter(o -> o.key().endsWith(".csv"))
                .flatMap(o -> stack.s3().getObjectAsBytes(r -> r.bucket(bucket).key(o.key())).asUtf8String().lines())
                .filter(l -> !l.isBlank()).sorted().toList();
    }
}
