package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.RuntimeAttempts;
import dev.soal.core.S3Uri;
import dev.soal.core.Json;
import dev.soal.router.embedded.EmbeddedS3;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.embedded.LambdaSandbox;
import dev.soal.router.embedded.LocalLambdaService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
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
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final String STORE = "s3://soal-jobs/";
    private static EmbeddedS3 server;
    private static S3Client s3;
    private static S3JobStore store;
    private static Path home;
    private static LocalLambdaService lambda;
    private static final String FUNCTION = "soal-runtime-2048";

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("soal-claim-it");
        server = EmbeddedS3.start(home.resolve("s3"));
        s3 = S3Clients.create(server.settings());
        for (String b : List.of("soal-jobs", "soal-data", "soal-scripts", "soal-output")) {
            s3.createBucket(r -> r.bucket(b));
        }
        s3.putObject(r -> r.bucket("soal-data").key("one.csv"), RequestBody.fromString("n\n1\n"));
        s3.putObject(r -> r.bucket("soal-scripts").key("append.sql"), RequestBody.fromString("""
                -- every run that commits appends one file to the table at ${output}
                CREATE TABLE IF NOT EXISTS runs (n INT) USING parquet LOCATION '${output}';
                INSERT INTO runs SELECT 1;
                """));
        store = new S3JobStore(s3, S3Uri.parse(STORE));
        lambda = LocalLambdaService.start(EmbeddedStack.lambdaRuntime(RuntimeArtifacts.inCheckout(ROOT).requireBuilt(),
                        server.settings(), STORE), LocalLambdaService.Settings.defaults(), home.resolve("lambda"),
                LambdaSandbox.detect(), line -> System.out.println("  " + line), record -> System.out.println("  on-failure: " + record));
        lambda.register(new LocalLambdaService.Function(FUNCTION, 2048, Duration.ofMinutes(4), RuntimeArtifacts.LAMBDA_HANDLER));
    }

    @AfterAll
    static void stop() {
        if (lambda != null) {
            lambda.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theSamePayloadDeliveredTwiceAtOnce_runsTheScriptOnce() throws Exception {
        JobRecord job = recorded("twice");

        LocalLambdaService.Invocation first = deliver(job);
        LocalLambdaService.Invocation second = deliver(job);
        awaitAnswer(first);
        awaitAnswer(second);

        assertThat(commits(job)).as("files committed under " + job.request().outputUri()).hasSize(1);
        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.state()).as(after.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.history()).extracting(h -> h.state())
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
    }

    @Test
    void afterACrashedAttempt_aDeliveryTakesOver_andOneMoreDoesNotRunAgain() throws Exception {
        JobRecord job = recorded("crash");
        // an attempt claimed the job and its container died: its lease lapsed long ago, nothing was committed
        Instant then = Instant.now().minus(Duration.ofMinutes(10));
        store.update(job.id(), j -> RuntimeAttempts.claim(j, "crashed-attempt", "a container that died", then,
                RuntimeAttempts.DEFAULT_LEASE));

        awaitAnswer(deliver(job));
        assertThat(commits(job)).hasSize(1);
        JobRecord after = store.get(job.id()).orElseThrow();
        assertThat(after.state()).as(after.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.history()).extracting(h -> h.message()).anyMatch(m -> m.contains("took over from crashed-attempt"));

        awaitAnswer(deliver(job));
        assertThat(commits(job)).hasSize(1);
        assertThat(store.get(job.id()).orElseThrow().history()).isEqualTo(after.history());
    }

    private static JobRecord recorded(String name) {
        Instant now = Instant.now();
        String id = JobIds.next(now);
        JobRecord job = JobRecord.queued(id, new JobRequest("s3://soal-scripts/append.sql", null,
                        List.of("s3://soal-data/one.csv"), "s3://soal-output/" + name + "/" + id + "/", null, null, null, null),
                new Measurement(4, 1, 0), new RoutingDecision(Backend.LAMBDA, 2048, List.of("test")), now);
        store.create(job, null);
        return job;
    }

    /** One delivery of the job's payload: an Event invocation of the runtime function. */
    private static LocalLambdaService.Invocation deliver(JobRecord job) {
        return lambda.invoke(FUNCTION, Json.write(java.util.Map.of("job", job)), true);
    }

    private static void awaitAnswer(LocalLambdaService.Invocation invocation) throws Exception {
        LocalLambdaService.Result r = invocation.result().get(4, TimeUnit.MINUTES);
        assertThat(r.failed()).as(r.payload()).isFalse();
    }

    private static List<String> commits(JobRecord job) {
        S3Uri out = S3Uri.parse(job.request().outputUri());
        return s3.listObjectsV2Paginator(r -> r.bucket(out.bucket()).prefix(out.key())).contents().stream()
                .map(S3Object::key).filter(k -> k.substring(k.lastIndexOf('/') + 1).startsWith("part-")).toList();
    }
}
