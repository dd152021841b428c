package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.JobService;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.examples.ListingsGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example job on the embedded stack, through the small path (the Lambda handler in its own JVM) and
 * the large path (spark-submit to the standalone cluster): both succeed, and a third job, run by the
 * same runner, finds the two outputs hold the same rows.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ExampleOnBothPathsIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final List<String> OUTPUT = new CopyOnWriteArrayList<>();
    private static EmbeddedStack stack;
    private static Path home;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("soal-it");
        stack = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(ROOT),
                PolicyLoader.load(Path.of(ExampleOnBothPathsIT.class.getResource("/it-policies.yaml").toURI())),
                line -> {
                    OUTPUT.add(line);
                    System.out.println("  | " + line);
                });
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void exampleRunsOnBothPaths_withTheSameRows() throws Exception {
        Path csv = home.resolve("listings.csv");
        ListingsGenerator.write(csv, 300 * 1024, 7);
        String input = stack.upload(csv, EmbeddedStack.DATA, "listings/listings.csv");
        String script = stack.upload(ROOT.resolve("examples/listings/neighbourhood_stats.sql"), EmbeddedStack.SCRIPTS,
                "neighbourhood_stats.sql");

        // the other test's job may still be returning its environment (the event log is copied first): wait for it,
        // or this job starts a second environment and the comparison below may land in that one, cold
        awaitNoBusyEnvironment();
        JobRecord small = run(new JobRequest(script, null, List.of(input), null, null, null, null, null));
        JobRecord large = run(new JobRequest(script, null, List.of(input), null, null, Map.of("path", "cluster"), null, null));

        assertThat(small.decision().backend()).isEqualTo(Backend.LAMBDA);
        assertThat(large.decision().backend()).isEqualTo(Backend.STANDALONE);
        assertThat(small.state()).as(small.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(large.state()).as(large.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(small.history()).extracting(h -> h.state())
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(small.environment().id()).isNotBlank();
        assertThat(large.history()).extracting(h -> h.state())
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(OUTPUT).anyMatch(l -> l.startsWith("| neighbourhood_group | neighbourhood"));
        // each path's log, read back where the run left it: the Lambda invocation's part of its environment's log,
        // the standalone driver's log
        List<dev.soal.router.logs.JobLogs.Excerpt> smallLog = stack.logs().read(small, 500);
        assertThat(smallLog).singleElement().satisfies(e -> {
            assertThat(e.backend()).isEqualTo("lambda");
            assertThat(e.lines().get(0)).startsWith("START RequestId: " + small.attempt().owner().split("/")[0]);
            assertThat(e.lines()).anyMatch(l -> l.startsWith("statement 1/")).anyMatch(l -> l.startsWith("END RequestId: "));
        });
        List<dev.soal.router.logs.JobLogs.Excerpt> largeLog = stack.logs().read(large, 500);
        assertThat(largeLog).singleElement().satisfies(e -> {
            assertThat(e.backend()).isEqualTo("standalone");
            assertThat(e.where()).endsWith("driver.log");
            assertThat(e.lines()).anyMatch(l -> l.contains("statement 1/"));
        });
        // the small job's environment is idle now: a deadline's prediction for its tier counts on a warm start
        JobRequest again = new JobRequest(script, null, List.of(input), null, null, null, null, null)
                .withDeadline(java.time.Duration.ofMinutes(20));
        dev.soal.core.Prediction warm = stack.jobs().plan(again).decision().predictions().get(0);
        for (int i = 0; i < 50 && warm.startMillis() != 500; i++) {
            Thread.sleep(100); // the environment returns to idle just after it reports the job's end
            warm = stack.jobs().plan(again).decision().predictions().get(0);
        }
        assertThat(warm.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(warm.startMillis()).as(warm.basis()).isEqualTo(500);
        assertThat(warm.basis()).startsWith("a warm environment; ");

        String compare = stack.upload(Path.of(getClass().getResource("/compare_outputs.sql").toURI()),
                EmbeddedStack.SCRIPTS, "compare_outputs.sql");
        JobRecord diff = run(new JobRequest(compare, null,
                List.of(small.request().outputUri(), large.request().outputUri()), null,
                Map.of("a", small.request().outputUri(), "b", large.request().outputUri()), null, null, null));
        assertThat(diff.state()).as(diff.message()).isEqualTo(JobState.SUCCEEDED);
        // the next small job finds the environment warm (its inputs, two Parquet folders, were copied to /tmp)
        assertThat(diff.environment().coldStart()).isFalse();
        assertThat(diff.environment().id()).isEqualTo(small.environment().id());

        List<String> counts = csvLines(diff.request().outputUri());
        assertThat(counts.get(0)).isEqualTo("rows_a,rows_b,only_in_a,only_in_b");
        long groups = expectedGroups(csv);
        assertThat(groups).isGreaterThan(10);
        assertThat(counts.get(1)).isEqualTo(groups + "," + groups + ",0,0");

        // soal history: Spark's History Server over the one prefix both paths write their event logs to
        assertThat(small.sparkApplicationId()).isNotBlank();
        assertThat(large.sparkApplicationId()).isNotBlank().isNotEqualTo(small.sparkApplicationId());
        // the Lambda environment's long-lived session is one application for every job it runs
        assertThat(diff.sparkApplicationId()).isEqualTo(small.sparkApplicationId());
        assertHistoryShows(small, large);
    }

    private static void awaitNoBusyEnvironment() throws InterruptedException {
        for (int i = 0; i < 300 && stack.lambdaService().orElseThrow().environments().stream()
                .anyMatch(e -> !e.state().equals("IDLE")); i++) {
            Thread.sleep(100);
        }
    }

    /** {@code soal history} in its own process, asked by its REST API for the jobs' applications and their queries. */
    private static void assertHistoryShows(JobRecord small, JobRecord large) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsoal.home=" + ROOT, "-cp", System.getProperty("java.class.path"), "dev.soal.router.cli.SoalCli",
                "history", "--home", home.toString(), "--port", "0");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            String first = out.readLine();
            while (first != null && !first.startsWith("soal history")) {
                System.out.println("  | " + first); // what its S3 server logs as it starts
                first = out.readLine();
            }
            System.out.println("$ soal history\n" + first);
            assertThat(first).startsWith("soal history: http://127.0.0.1:");
            String url = first.substring("soal history: ".length(), first.indexOf(' ', "soal history: ".length()));
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            Map<String, com.fasterxml.jackson.databind.JsonNode> apps = Map.of();
            for (int i = 0; i < 120 && !(apps.containsKey(small.sparkApplicationId()) && apps.containsKey(large.sparkApplicationId())); i++) {
                Thread.sleep(1000);
                com.fasterxml.jackson.databind.JsonNode list = dev.soal.core.Json.mapper().readTree(http.send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "api/v1/applications")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                Map<String, com.fasterxml.jackson.databind.JsonNode> seen = new java.util.HashMap<>();
                list.forEach(a -> seen.put(a.path("id").asText(), a));
                apps = seen;
            }
            assertThat(apps).containsKeys(small.sparkApplicationId(), large.sparkApplicationId());
            // the cluster run's application ended with its job; the Lambda environment's runs on
            assertThat(apps.get(large.sparkApplicationId()).path("name").asText()).isEqualTo("soal-" + large.id());
            assertThat(apps.get(large.sparkApplicationId()).path("attempts").get(0).path("completed").asBoolean()).isTrue();
            assertThat(apps.get(small.sparkApplicationId()).path("attempts").get(0).path("completed").asBoolean()).isFalse();
            // the small job's queries are in its environment's application, by the job's id
            String sql = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "api/v1/applications/"
                    + small.sparkApplicationId() + "/sql?details=false")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(sql).contains(small.id()).contains("COMPLETED");
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void badSql_endsFailed_withTheReason_andAMissingScriptIsRefused() throws Exception {
        Path csv = home.resolve("tiny.csv");
        ListingsGenerator.write(csv, 10 * 1024, 1);
        String input = stack.upload(csv, EmbeddedStack.DATA, "tiny/tiny.csv");
        Path bad = Files.writeString(home.resolve("bad.sql"), "-- broken on purpose\nSELECT * FROM no_such_view");
        String badScript = stack.upload(bad, EmbeddedStack.SCRIPTS, "bad.sql");

        JobRecord failed = run(new JobRequest(badScript, null, List.of(input), null, null, null, null, null));
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.message()).startsWith("statement 1 (line 2) failed:").contains("no_such_view");
        assertThat(failed.durationMillis()).isNotNull();

        // a script that does not exist is refused at the door: nothing is recorded or run
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> run(new JobRequest("s3://soal-scripts/not-there.sql",
                        null, List.of(input), null, null, null, null, null)))
                .isInstanceOf(dev.soal.core.JobRejectedException.class)
                .hasMessage("script s3://soal-scripts/not-there.sql does not exist");
    }

    private static JobRecord run(JobRequest request) throws InterruptedException {
        JobService jobs = stack.jobs();
        JobRecord job = jobs.submit(request).job();
        while (!job.state().isTerminal()) {
            Thread.sleep(250);
            job = jobs.refresh(job.id());
        }
        return job;
    }

    private static List<String> csvLines(String outputUri) {
        String bucket = outputUri.substring(5, outputUri.indexOf('/', 5));
        String prefix = outputUri.substring(outputUri.indexOf('/', 5) + 1);
        List<S3Object> parts = stack.s3().listObjectsV2(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .filter(o -> o.key().endsWith(".csv")).toList();
        assertThat(parts).hasSize(1);
        return stack.s3().getObjectAsBytes(r -> r.bucket(bucket).key(parts.get(0).key())).asUtf8String().lines().toList();
    }

    /** The number of (group, neighbourhood, room type) groups, counted without Spark. */
    private static long expectedGroups(Path csv) throws Exception {
        Set<String> groups = new HashSet<>();
        try (var lines = Files.lines(csv)) {
            lines.skip(1).forEach(l -> {
                String[] f = l.split(",", -1);
                groups.add(f[3] + "|" + f[4] + "|" + f[7]);
            });
        }
        return groups.size();
    }
}
