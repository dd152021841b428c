package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.standalone.StandaloneBackend;
import dev.soal.adapters.standalone.StandaloneCluster;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.SubmitOutcome;
import dev.soal.core.TableSettings;
import dev.soal.embedded.s3.EmbeddedS3;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone path's drivers as {@code StandaloneBackend} starts them through Spark's launcher, on a real
 * standalone cluster, with no job store (so only the driver's handle speaks): a run that finishes, one whose
 * driver fails (with the end of its log), one cancelled while it runs.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class StandaloneDriversIT {
    private static final Path ROOT = RuntimeFixture.ROOT;
    private static EmbeddedS3 server;
    private static S3Client s3;
    private static StandaloneCluster cluster;
    private static StandaloneBackend backend;
    private static Path dir;
    private static final List<String> printed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("soal-drivers");
        server = EmbeddedS3.start(dir.resolve("s3"));
        s3 = S3Clients.create(server.settings());
        s3.createBucket(r -> r.bucket("soal-scripts"));
        s3.putObject(r -> r.bucket("soal-scripts").key("ok.sql"), RequestBody.fromString("SELECT 40 + 2 AS answer;"));
        s3.putObject(r -> r.bucket("soal-scripts").key("broken.sql"), RequestBody.fromString("SELEKT nonsense;"));
        s3.putObject(r -> r.bucket("soal-scripts").key("slow.sql"),
                RequestBody.fromString("SELECT reflect('java.lang.Thread', 'sleep', 120000L);"));
        RuntimeArtifacts artifacts = RuntimeArtifacts.inCheckout(ROOT).requireBuilt();
        cluster = StandaloneCluster.start(artifacts, dir.resolve("cluster"), 1, 1024, Duration.ofMinutes(2));
        backend = new StandaloneBackend(() -> cluster, server.settings(), TableSettings.none(), null, dir.resolve("work"),
                Clock.systemUTC(), printed::add, Duration.ofMinutes(5));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static JobRecord job(String script) {
        Instant now = Instant.now();
        return JobRecord.queued(JobIds.next(now), new JobRequest("s3://soal-scripts/" + script, null, List.of("s3://soal-scripts/ok.sql"), null,
                        null, null, null, null), new Measurement(0, 0, 0),
                new RoutingDecision(Backend.STANDALONE, 0, List.of("test")), now);
    }

    private static BackendStatus awaitEnd(JobRecord job) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        BackendStatus s = backend.status(job);
        while (!s.state().isTerminal() && System.nanoTime() < deadline) {
            Thread.sleep(250);
            s = backend.status(job);
        }
        return s;
    }

    @Test
    void aDriverThatFinishes_isSucceeded_andItsOutputReachesTheSink() throws Exception {
        JobRecord job = job("ok.sql");
        assertThat(backend.submit(job)).isEqualTo(new SubmitOutcome.Accepted("standalone:" + job.id(), "SUBMITTED"));
        assertThat(backend.submit(job)).as("a second submit while it runs starts nothing")
                .isEqualTo(new SubmitOutcome.Accepted("standalone:" + job.id(), "ALREADY_SUBMITTED"));

        BackendStatus end = awaitEnd(job);

        assertThat(end.state()).as(end.message()).isEqualTo(JobState.SUCCEEDED);
        assertThat(end.nativeState()).isEqualTo("FINISHED");
        assertThat(String.join("\n", printed)).contains("42");
    }

    @Test
    void aDriverThatFails_isFailed_withTheEndOfItsLog() throws Exception {
        JobRecord job = job("broken.sql");
        backend.submit(job);

        BackendStatus end = awaitEnd(job);

        assertThat(end.state()).isEqualTo(JobState.FAILED);
        assertThat(end.nativeState()).isEqualTo("FAILED");
        assertThat(end.message()).contains("spark-submit driver ended FAILED; last lines of");
        assertThat(Files.readString(dir.resolve("work/standalone").resolve(job.id()).resolve("driver.log"))).contains("SELEKT");
    }

    @Test
    void aCancelledDriver_isStopped_andCancelled() throws Exception {
        JobRecord job = job("slow.sql");
        backend.submit(job);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!backend.status(job).nativeState().equals("RUNNING") && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertThat(backend.status(job).nativeState()).isEqualTo("RUNNING");

        backend.cancel(job);

        BackendStatus end = awaitEnd(job);
        assertThat(end.state()).isEqualTo(JobState.CANCELLED);
        assertThat(end.nativeState()).isEqualTo("KILLED");
    }
}
