package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.ResourceExhaustion;
import dev.soal.core.S3Uri;
import dev.soal.core.StateChange;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.embedded.EmbeddedStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spill-over on the embedded default, Lambda to the standalone cluster, with real runs: a job that outgrows its
 * Lambda tier's memory and one that runs past the function timeout both end SUCCEEDED on the cluster under the
 * same job id, with both attempts in their history and one attempt's output; a script's own error is not spilled.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class SpillOverIT {
    private static EmbeddedStack stack;
    private static Path home;
    private static String input;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("soal-spill");
        stack = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(RuntimeFixture.ROOT),
                PolicyLoader.load(Path.of(SpillOverIT.class.getResource("/spill-policies.yaml").toURI())),
                line -> System.out.println("  | " + line));
        // 3,000 rows: 9 million pairs
        Path csv = Files.writeString(home.resolve("v.csv"), "v\n" + IntStream.rangeClosed(1, 3000).mapToObj(Integer::toString)
                .collect(Collectors.joining("\n")) + "\n");
        input = stack.upload(csv, EmbeddedStack.DATA, "spill/v.csv");
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String script(String name) throws Exception {
        return stack.upload(Path.of(SpillOverIT.class.getResource("/spill/" + name).toURI()), EmbeddedStack.SCRIPTS, "spill/" + name);
    }

    private static JobRecord run(String script) throws InterruptedException {
        JobRecord job = stack.jobs().submit(new JobRequest(script, null, List.of(input), null, null, null, null, null)).job();
        assertThat(job.decision().backend()).isEqualTo(Backend.LAMBDA);
        assertThat(job.decision().lambdaMemoryMb()).isEqualTo(768);
        assertThat(job.decision().spillTo()).isEqualTo(Backend.STANDALONE);
        while (!job.state().isTerminal()) {
            Thread.sleep(250);
            job = stack.jobs().refresh(job.id());
        }
        // the cost follows the end once the backend knows it (the cluster's driver exits after its report)
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (job.cost() == null && job.spilledFrom() != null && System.nanoTime() < until) {
            Thread.sleep(250);
            job = stack.jobs().refresh(job.id());
        }
        return job;
    }

    @Test
    void aJobThatOutgrowsItsLambdaMemory_endsSucceededOnTheCluster_sameJobBothAttempts() throws Exception {
        JobRecord job = run(script("cross_join.sql"));

        assertThat(job.state()).as(job.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.decision().backend()).isEqualTo(Backend.STANDALONE);
        assertThat(job.spilledFrom().kind()).isEqualTo(ResourceExhaustion.Kind.MEMORY);
        assertThat(job.spilledFrom().memoryMb()).isEqualTo(768);
        assertThat(job.spilledFrom().message()).contains("Not enough memory to build and broadcast the table");
        assertThat(job.decision().reasons()).last().asString()
                .startsWith("spilled over: lambda 768 MB ran out of memory in statement 4 after ").contains(" s -> standalone (");
        bothAttempts(job);
        assertThat(onlyOutput(job)).isEqualTo("9000000");

        // its run history now says it spilled over: the same script on the same input goes to the cluster at once
        JobRecord again = stack.jobs().submit(new JobRequest(job.request().scriptUri(), null, List.of(input), null, null, null,
                null, null)).job();
        assertThat(again.decision().backend()).isEqualTo(Backend.STANDALONE);
        assertThat(again.decision().reasons()).anyMatch(r -> r.startsWith("history: its last run (job " + job.id() + ", ")
                && r.endsWith(" spilled over from lambda 768 MB (memory ran out) -> standalone"));
        stack.jobs().cancel(again.id());
    }

    @Test
    void aJobThatRunsPastTheFunctionTimeout_endsSucceededOnTheCluster_sameJobBothAttempts() throws Exception {
        JobRecord job = run(script("slow.sql"));

        assertThat(job.state()).as(job.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.decision().backend()).isEqualTo(Backend.STANDALONE);
        assertThat(job.spilledFrom().kind()).isEqualTo(ResourceExhaustion.Kind.TIME);
        assertThat(job.spilledFrom().message()).contains("Task timed out after 18.00 seconds");
        // the function timeout the policies name (18 s), not Lambda's longest
        assertThat(job.spilledFrom().durationMillis()).isBetween(17_000L, 33_000L);
        assertThat(job.decision().reasons()).last().asString().startsWith("spilled over: lambda 768 MB ran out of time after ");
        bothAttempts(job);
        assertThat(onlyOutput(job)).isEqualTo("null");
    }

    @Test
    void aScriptErrorOnLambda_isNotSpilledOver() throws Exception {
        Path bad = Files.writeString(home.resolve("bad.sql"), "SELECT nme FROM range(1)");
        JobRecord job = run(stack.upload(bad, EmbeddedStack.SCRIPTS, "spill/bad.sql"));

        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.message()).contains("UNRESOLVED_COLUMN").doesNotContain("spill");
        assertThat(job.decision().backend()).isEqualTo(Backend.LAMBDA);
        assertThat(job.spilledFrom()).isNull();
        assertThat(job.history()).extracting(StateChange::state).containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.FAILED);
    }

    /** Lambda's attempt, the spill, the cluster's attempt, the end; the cost is both runs' (the cluster's is free here). */
    private static void bothAttempts(JobRecord job) {
        assertThat(job.history()).extracting(StateChange::state).containsExactly(JobState.QUEUED, JobState.RUNNING,
                JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(job.history().get(1).message()).startsWith("running on lambda soal-runtime-768");
        assertThat(job.history().get(2).message()).startsWith("spilled over: lambda 768 MB");
        assertThat(job.history().get(3).message()).startsWith("running on cluster spark://");
        assertThat(job.spilledFrom().cost().usd()).isPositive();
        assertThat(job.cost()).isNotNull();
        assertThat(job.cost().usd()).isEqualTo(job.spilledFrom().cost().usd());
    }

    /** The job's output: written by one attempt only (the cluster's, after the spill); its one CSV value. */
    private static String onlyOutput(JobRecord job) {
        S3Uri out = S3Uri.parse(job.request().outputUri());
        List<S3Object> objects = stack.s3().listObjectsV2(r -> r.bucket(out.bucket()).prefix(out.key())).contents();
        assertThat(objects).isNotEmpty();
        assertThat(objects).allSatisfy(o -> assertThat(o.lastModified())
                .isAfterOrEqualTo(job.spilledFrom().at().minus(Duration.ofSeconds(1))));
        List<S3Object> csv = objects.stream().filter(o -> o.key().endsWith(".csv")).toList();
        assertThat(csv).hasSize(1);
        return stack.s3().getObjectAsBytes(r -> r.bucket(out.bucket()).key(csv.get(0).key())).asUtf8String().strip();
    }
}
