package dev.soal.router;

import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRejectedException;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.S3Uri;
import dev.soal.core.SubmitOutcome;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The router's flow on a real S3 server, with backends that record what they are asked. */
class JobServiceTest {
    private static EmbeddedS3Fixture s3;
    private static InputMeasurer measurer;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3Fixture.forJobs();
        for (int i = 0; i < 3; i++) {
            s3.put("soal-data", "folder/part-" + i + ".csv", "x".repeat(100));
        }
        measurer = s3.measurer();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private final RecordingBackend lambda = new RecordingBackend(Backend.LAMBDA);
    private final RecordingBackend standalone = new RecordingBackend(Backend.STANDALONE);

    private JobService service(String storePrefix) {
        return new JobService(new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/" + storePrefix + "/")), measurer,
                new RoutingPolicy(PolicyLoader.defaults(), Set.of(Backend.LAMBDA, Backend.STANDALONE)),
                Map.of(Backend.LAMBDA, lambda, Backend.STANDALONE, standalone),
                S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC());
    }

    @Test
    void eachExecutionEnvironment_namesItsRouterAfresh_evenWhenRestoredFromOneSnapshot() {
        JobService snapshot = service("identity");
        String before = snapshot.routerId(); // a name made during INIT, before SnapStart's snapshot
        snapshot.identify("2026/11/26/[$LATEST]aaaa");
        String first = snapshot.routerId();
        snapshot.identify("2026/11/26/[$LATEST]aaaa");
        assertThat(snapshot.routerId()).as("the same environment keeps its name").isEqualTo(first);
        snapshot.identify("2026/11/26/[$LATEST]bbbb"); // another environment restored from the same snapshot
        assertThat(snapshot.routerId()).isNotEqualTo(first).isNotEqualTo(before);
        assertThat(first).isNotEqualTo(before);
    }

    private static JobRequest request(String input, String key) {
        return new JobRequest("s3://soal-scripts/job.sql", null, List.of(input), null, Map.of("day", "1"), null, key, null);
    }

    @Test
    void secondRequestWithTheSameKey_returnsTheFirstJob_andRunsOnce() {
        JobService jobs = service("idem");
        JobService.Submitted first = jobs.submit(request("s3://soal-data/small.csv", "order-42"));
        JobService.Submitted second = jobs.submit(request("s3://soal-data/small.csv", "order-42"));

        assertThat(first.existing()).isFalse();
        assertThat(second.existing()).isTrue();
        assertThat(second.job().id()).isEqualTo(first.job().id());
        assertThat(lambda.submitted).containsExactly(first.job().id());
        assertThat(first.job().backendHandle()).isEqualTo("run-1");
        assertThat(first.job().request().outputUri()).isEqualTo("s3://soal-output/jobs/" + first.job().id() + "/");
    }

    @Test
    void sameKeyForADifferentRequest_isAConflict() {
        JobService jobs = service("conflict");
        jobs.submit(request("s3://soal-data/small.csv", "k-1"));
        assertThatThrownBy(() -> jobs.submit(request("s3://soal-data/folder/", "k-1")))
                .isInstanceOf(JobService.IdempotencyConflictException.class)
                .hasMessageContaining("'k-1' already names job");
        assertThat(lambda.submitted).hasSize(1);
    }

    @Test
    void measuresObjectsAndPrefixes() {
        JobService.Plan plan = service("plan").plan(new JobRequest("s3://soal-scripts/job.sql", null,
                List.of("s3://soal-data/small.csv", "s3://soal-data/folder/"), null, null, null, null, null));
        assertThat(plan.measurement().totalBytes()).isEqualTo(8 + 300);
        assertThat(plan.measurement().objectCount()).isEqualTo(4);
        assertThat(plan.decision().backend()).isEqualTo(Backend.LAMBDA);
    }

    @Test
    void missingInput_isRejected_andNothingIsSubmitted() {
        assertThatThrownBy(() -> service("missing").submit(request("s3://soal-data/nope.csv", null)))
                .isInstanceOf(JobRejectedException.class)
                .hasMessage("input s3://soal-data/nope.csv does not exist");
        assertThatThrownBy(() -> service("missing").submit(request("s3://soal-data/empty/", null)))
                .hasMessage("input prefix s3://soal-data/empty/ holds no objects");
        assertThat(lambda.submitted).isEmpty();
        assertThat(s3.s3.listObjectsV2(r -> r.bucket("soal-jobs").prefix("missing/")).contents()).isEmpty();
    }

    @Test
    void bucketOutsideTheAllowlist_isRejected_beforeMeasuring() {
        assertThatThrownBy(() -> service("allow").submit(request("s3://not-allowed/x.csv", null)))
                .isInstanceOf(JobRejectedException.class)
                .hasMessageContaining("not in allowlists.inputBuckets");
        assertThat(lambda.submitted).isEmpty();
    }

    @Test
    void backendThatThrows_leavesAFailedJob_notALostOne() {
        lambda.failure = new IllegalStateException("boom");
        JobService jobs = service("throws");
        JobRecord job = jobs.submit(request("s3://soal-data/small.csv", null)).job();
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.message()).isEqualTo("submit to lambda failed: boom");
        assertThat(jobs.get(job.id()).state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void aThrottledSubmit_isAskedOnce_andLeftQueuedForTheReconciler_notFailed() {
        lambda.answer = new SubmitOutcome.Throttled(Duration.ofMillis(10), "slow down");
        JobService jobs = service("throttle");
        JobRecord job = jobs.submit(request("s3://soal-data/small.csv", null)).job();
        // the backend's calls retry inside Resilience; the router adds no second layer on top
        assertThat(lambda.submitted).hasSize(1);
        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.nativeState()).isEqualTo("THROTTLED");
        assertThat(job.message()).contains("slow down").contains("the reconciler submits it again");
        assertThat(job.submitLease()).as("given up, so a sweep sends it").isNull();
    }

    @Test
    void withLessTimeLeftThanOneAttempt_nothingIsAsked_andTheJobWaitsQueued() {
        JobService jobs = service("deadline");
        JobRecord job = dev.soal.core.Deadline.in(Duration.ofSeconds(5), "the API's answer")
                .run(() -> jobs.submit(request("s3://soal-data/small.csv", null)).job());
        assertThat(lambda.submitted).isEmpty();
        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.message()).contains("no time left to submit before the API's answer was due");
        assertThat(job.submitLease()).isNull();
    }

    @Test
    void runThatEndsWithoutReporting_isFailed_withTheBackendsWords() {
        JobService jobs = service("silent");
        JobRecord job = jobs.submit(request("s3://soal-data/small.csv", null)).job();
        assertThat(jobs.refresh(job.id()).state()).isEqualTo(JobState.QUEUED);

        lambda.status = new BackendStatus(JobState.SUCCEEDED, "EXIT_0", "exited with code 0");
        JobRecord after = jobs.refresh(job.id());

        assertThat(after.state()).isEqualTo(JobState.FAILED);
        assertThat(after.message()).isEqualTo("the run ended (exited with code 0) without reporting a result");
    }

    @Test
    void aJobWithADeadline_keepsItsPrediction_andItsEndReportsHowItTurnedOut() {
        lambda.selfReporting = false;
        JobService jobs = service("prediction");
        JobRecord job = jobs.submit(request("s3://soal-data/small.csv", null).withDeadline(Duration.ofMinutes(20))).job();
        dev.soal.core.Prediction chosen = job.decision().predictions().get(0);
        assertThat(chosen.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(dev.soal.router.api.JobView.of(job).predictionOutcome()).as("not ended yet").isNull();

        lambda.status = new BackendStatus(JobState.SUCCEEDED, "SUCCESS", null, new dev.soal.core.Cost(0.001, "test"));
        JobRecord done = jobs.refresh(job.id());
        dev.soal.router.api.JobView.OutcomeView o = dev.soal.router.api.JobView.of(done).predictionOutcome();
        assertThat(o.backend()).isEqualTo("lambda");
        assertThat(o.predictedMillis()).isEqualTo(chosen.totalMillis());
        assertThat(o.actualMillis()).isEqualTo(Duration.between(done.createdAt(), done.updatedAt()).toMillis());
        assertThat(o.predictedUsd()).isEqualTo(chosen.cost().usd());
        assertThat(o.actualUsd()).isEqualTo(0.001);
        assertThat(jobs.meters().summary(dev.soal.core.JobOutcomes.PREDICTION_RATIO, "backend", "lambda").count()).isEqualTo(1);
    }

    @Test
    void backendWithoutRuntimeReports_drivesProgress_andRecordsTheCost() {
        lambda.selfReporting = false;
        JobService jobs = service("progress");
        JobRecord job = jobs.submit(request("s3://soal-data/small.csv", null)).job();

        lambda.status = new BackendStatus(JobState.RUNNING, "RUNNING", "on 3 executors");
        assertThat(jobs.refresh(job.id()).state()).isEqualTo(JobState.RUNNING);

        lambda.status = new BackendStatus(JobState.SUCCEEDED, "SUCCESS", null, new dev.soal.core.Cost(0.42, "test"));
        JobRecord done = jobs.refresh(job.id());
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.nativeState()).isEqualTo("SUCCESS");
        assertThat(done.cost().usd()).isEqualTo(0.42);
        assertThat(jobs.meters().counter("soal.jobs.finished", "backend", "lambda", "state", "SUCCEEDED").count())
                .isEqualTo(1);
        // what the stack's dashboard shows: cost and duration by backend
        assertThat(jobs.meters().counter("soal.jobs.cost.usd", "backend", "lambda").count()).isEqualTo(0.42);
        assertThat(jobs.meters().timer("soal.jobs.duration", "backend", "lambda", "state", "SUCCEEDED").count()).isEqualTo(1);
    }

    @Test
    void unavailableBackend_fallsBackOnce_andSaysWhyInTheReasons() {
        RecordingBackend emr = new RecordingBackend(Backend.EMR_SERVERLESS);
        RecordingBackend glue = new RecordingBackend(Backend.GLUE);
        emr.answer = new SubmitOutcome.Unavailable("emr-serverless circuit breaker is open");
        JobService jobs = new JobService(new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/fallback/")), measurer,
                // by order, so EMR Serverless is chosen first (by cost it would be Glue at these sizes)
                new RoutingPolicy(PolicyLoader.defaults().withClustersByCost(false), Set.of(Backend.EMR_SERVERLESS, Backend.GLUE)),
                Map.of(Backend.EMR_SERVERLESS, emr, Backend.GLUE, glue), S3Uri.parse("s3://soal-output/jobs/"),
                Clock.systemUTC());
        JobRequest big = new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/small.csv"), null,
                null, Map.of(), null, null);

        JobRecord job = jobs.submit(big).job();

        assertThat(emr.submitted).hasSize(1);
        assertThat(glue.submitted).containsExactly(job.id());
        assertThat(job.decision().backend()).isEqualTo(Backend.GLUE);
        assertThat(job.decision().reasons()).last()
                .isEqualTo("emr-serverless unavailable (emr-serverless circuit breaker is open) -> fallback glue");

        glue.answer = new SubmitOutcome.Unavailable("glue kept throttling");
        JobRecord failed = jobs.submit(big).job();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.message()).contains("both unavailable");
    }

    @Test
    void cancel_movesThroughCancellingToCancelled() {
        JobService jobs = service("cancel");
        JobRecord job = jobs.submit(request("s3://soal-data/small.csv", null)).job();
        JobRecord cancelled = jobs.cancel(job.id());
        assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
        assertThat(cancelled.history()).extracting(h -> h.state())
                .containsExactly(JobState.QUEUED, JobState.CANCELLING, JobState.CANCELLED);
    }

    @Test
    void unknownJob_isNotFound() {
        assertThatThrownBy(() -> service("nf").get("20260101-000000-deadbeef"))
                .isInstanceOf(JobService.JobNotFoundException.class);
    }
}
