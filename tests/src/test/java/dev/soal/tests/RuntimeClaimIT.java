package dev.soal.tests;

import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.RuntimeAttempts;
import dev.soal.core.S3Uri;
import dev.soal.router.embedded.LocalLambdaService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lambda delivers async events at least once. The same payload is invoked on the local Lambda service,
 * whose execution environments are real runtime JVMs (the handler under Lambda's runtime interface client):
 * twice at once (two environments, concurrency 2), and once more after a simulated crash of the first attempt. The script appends to a table, so every run that
 * got as far as committing leaves a file: exactly one commit each time.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RuntimeClaimIT {
    private static RuntimeFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = new RuntimeFixture("soal-claim-it", 2);
        fixture.put("soal-data", "one.csv", "n\n1\n");
        fixture.put("soal-scripts", "append.sql", """
                -- every run that commits appends one file to the table at ${output}
                CREATE TABLE IF NOT EXISTS runs (n INT) USING parquet LOCATION '${output}';
                INSERT INTO runs SELECT 1;
                """);
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void theSamePayloadDeliveredTwiceAtOnce_runsTheScriptOnce() throws Exception {
        JobRecord job = recorded("twice");

        LocalLambdaService.Invocation first = fixture.deliver(job);
        LocalLambdaService.Invocation second = fixture.deliver(job);
        RuntimeFixture.awaitAnswer(first);
        RuntimeFixture.awaitAnswer(second);

        assertThat(commits(job)).as("files committed under " + job.request().outputUri()).hasSize(1);
        JobRecord after = fixture.store.get(job.id()).orElseThrow();
        assertThat(after.state()).as(after.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.history()).extracting(h -> h.state())
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
    }

    @Test
    void afterACrashedAttempt_aDeliveryTakesOver_andOneMoreDoesNotRunAgain() throws Exception {
        JobRecord job = recorded("crash");
        // an attempt claimed the job and its container died: its lease lapsed long ago, nothing was committed
        Instant then = Instant.now().minus(Duration.ofMinutes(10));
        fixture.store.update(job.id(), j -> RuntimeAttempts.claim(j, "crashed-attempt", "a container that died", then,
                RuntimeAttempts.DEFAULT_LEASE));

        JobRecord after = fixture.run(job);
        assertThat(commits(job)).hasSize(1);
        assertThat(after.state()).as(after.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.history()).extracting(h -> h.message()).anyMatch(m -> m.contains("took over from crashed-attempt"));

        fixture.run(job);
        assertThat(commits(job)).hasSize(1);
        assertThat(fixture.store.get(job.id()).orElseThrow().history()).isEqualTo(after.history());
    }

    private static JobRecord recorded(String name) {
        return fixture.record("s3://soal-scripts/append.sql", "s3://soal-data/one.csv", "s3://soal-output/" + name + "/", null);
    }

    private static List<String> commits(JobRecord job) {
        S3Uri out = S3Uri.parse(job.request().outputUri());
        return fixture.s3.listObjectsV2Paginator(r -> r.bucket(out.bucket()).prefix(out.key())).contents().stream()
                .map(S3Object::key).filter(k -> k.substring(k.lastIndexOf('/') + 1).startsWith("part-")).toList();
    }
}
