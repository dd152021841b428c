package dev.soal.router.status;

import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.Cost;
import dev.soal.core.JobOutcomes;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.ResourceExhaustion;
import dev.soal.core.RuntimeAttempts;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import dev.soal.core.StateChange;
import dev.soal.core.SubmitOutcome;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.EmbeddedS3Fixture;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.router.RecordingBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.soal.router.LambdaEvents;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Status events shaped as EventBridge and Lambda's destinations (through SQS) send them move jobs on their own. */
class StatusEventsTest {
    private static EmbeddedS3Fixture s3;
    private static InputMeasurer measurer;

    private final RecordingBackend lambda = new RecordingBackend(Backend.LAMBDA);
    private final RecordingBackend emr = new RecordingBackend(Backend.EMR_SERVERLESS);
    private final RecordingBackend glue = new RecordingBackend(Backend.GLUE);
    private JobService jobs;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3Fixture.forJobs();
        measurer = s3.measurer();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    /** A job submitted to {@code backend} (the only one configured, so the policy picks it), whose run is {@code runId}. */
    private JobRecord submitted(RecordingBackend backend, String runId) {
        jobs = new JobService(new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/status/")), measurer,
                new RoutingPolicy(PolicyLoader.defaults(), Set.of(backend.kind())), Map.of(backend.kind(), backend),
                S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC());
        backend.answer = new SubmitOutcome.Accepted(runId, "SUBMITTED");
        JobRecord job = jobs.submit(new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/small.csv"),
                null, null, null, null, null)).job();
        assertThat(job.decision().backend()).isEqualTo(backend.kind());
        backend.jobOfRun.put(runId, job.id());
        return job;
    }

    /** An EventBridge event as the runtime interface client hands it to the function. */
    private static ScheduledEvent eventBridge(String name) throws Exception {
        return LambdaEvents.read(fixture(name), ScheduledEvent.class);
    }

    private static String fixture(String name) throws Exception {
        return new String(StatusEventsTest.class.getResourceAsStream("/events/" + name).readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void anEmrServerlessStateChange_refreshesItsJob_withTheBackendsWordAndCost() throws Exception {
        emr.selfReporting = false;
        JobRecord job = submitted(emr, "00f1cbn5g4bb0c01");
        emr.status = new BackendStatus(JobState.SUCCEEDED, "SUCCESS", null, new Cost(0.0123, "1 vCPU-h"));

        List<StatusEvents.Outcome> out = new StatusEvents(jobs).handle(eventBridge("eventbridge-emr-serverless-state-change.json"));

        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.jobId()).isEqualTo(job.id());
            assertThat(o.result()).isEqualTo("refreshed");
        });
        JobRecord after = jobs.get(job.id());
        assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.cost()).isNotNull();
    }

    @Test
    void aGlueStateChangeForARunSoalDidNotStart_isSkipped() throws Exception {
        submitted(glue, "run-x");
        List<StatusEvents.Outcome> out = new StatusEvents(jobs).handle(eventBridge("eventbridge-glue-job-state-change.json"));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.result()).isEqualTo("skipped");
            assertThat(o.detail()).isEqualTo("no SoAL job started this run");
        });
    }

    @Test
    void aGlueStateChange_endsTheJobWithGluesMessage() throws Exception {
        glue.selfReporting = false;
        JobRecord job = submitted(glue, "jr_ca2144d747b45ad412d3c66a1b6934000ade4ec4bf5e2f4e8a1b8e5e6a2a7c1c");
        glue.status = new BackendStatus(JobState.FAILED, "FAILED", "SystemExit: 1");

        new StatusEvents(jobs).handle(eventBridge("eventbridge-glue-job-state-change.json"));

        JobRecord after = jobs.get(job.id());
        assertThat(after.state()).isEqualTo(JobState.FAILED);
        assertThat(after.message()).isEqualTo("SystemExit: 1");
    }

    @Test
    void aRuntimeFailureRecord_endsTheJobWithTheFunctionsOwnError_unlessAnotherInvocationHoldsIt() throws Exception {
        JobRecord timedOut = submitted(lambda, "inv-1");
        JobRecord held = submitted(lambda, "inv-2");
        // a duplicate delivery of the second job is still running, under another request id
        new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/status/")).update(held.id(), j -> RuntimeAttempts.claim(j,
                "another-request", "a container", Instant.now(), RuntimeAttempts.DEFAULT_LEASE));
        String event = fixture("sqs-lambda-destination-timeout.json").replace("OTHER_JOB_ID", held.id())
                .replace("JOB_ID", timedOut.id());

        List<StatusEvents.Outcome> out = new StatusEvents(jobs).handle(LambdaEvents.read(event, SQSEvent.class));

        assertThat(out).extracting(StatusEvents.Outcome::result).containsExactly("ended", "kept");
        JobRecord t = jobs.get(timedOut.id());
        assertThat(t.state()).isEqualTo(JobState.TIMED_OUT);
        assertThat(t.nativeState()).isEqualTo("Sandbox.Timedout");
        assertThat(t.message()).isEqualTo("the runtime function timed out (RetriesExhausted, Unhandled, Sandbox.Timedout):"
                + " RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Error: Task timed out after 900.00 seconds");
        assertThat(jobs.get(held.id()).state()).isEqualTo(JobState.RUNNING);
    }

    /** A Lambda-path job that a runtime attempt of request {@code requestId} claimed, with {@code standalone} to spill to. */
    private JobRecord claimedWithSpillOver(String storePrefix, String requestId, java.util.function.Consumer<String> beforeFailure) {
        S3JobStore store = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/" + storePrefix + "/"));
        jobs = new JobService(store, measurer, new RoutingPolicy(PolicyLoader.defaults(), Set.of(Backend.LAMBDA, Backend.STANDALONE)),
                Map.of(Backend.LAMBDA, lambda, Backend.STANDALONE, standalone), S3Uri.parse("s3://soal-output/jobs/"),
                Clock.systemUTC(), meters);
        JobRecord job = jobs.submit(new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/small.csv"),
                null, null, null, null, null)).job();
        assertThat(job.decision().backend()).isEqualTo(Backend.LAMBDA);
        assertThat(job.decision().spillTo()).isEqualTo(Backend.STANDALONE);
        store.update(job.id(), j -> RuntimeAttempts.claim(j, requestId + "/n0nce", "lambda soal-runtime-2048 (2048 MB)",
                Instant.now(), RuntimeAttempts.DEFAULT_LEASE));
        beforeFailure.accept(job.request().outputUri());
        return job;
    }

    private final RecordingBackend standalone = new RecordingBackend(Backend.STANDALONE);
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    @Test
    void aTimedOutLambdaJob_spillsOverToTheCluster_sameJobBothAttemptsInItsHistory_costKept() throws Exception {
        JobRecord job = claimedWithSpillOver("spill-timeout", "e4b46cbf-b738-xmpl-8880-a18cdf61200e", out -> { });
        String event = fixture("sqs-lambda-destination-timeout.json").replace("JOB_ID", job.id());
        SQSEvent one = LambdaEvents.read(event, SQSEvent.class);
        one.setRecords(one.getRecords().subList(0, 1));

        List<StatusEvents.Outcome> out = new StatusEvents(jobs).handle(one);

        assertThat(out).extracting(StatusEvents.Outcome::result).containsExactly("kept");
        JobRecord after = jobs.get(job.id());
        assertThat(standalone.submitted).containsExactly(job.id());
        assertThat(after.state()).isEqualTo(JobState.QUEUED);
        assertThat(after.decision().backend()).isEqualTo(Backend.STANDALONE);
        assertThat(after.backendHandle()).isEqualTo("run-1");
        assertThat(after.decision().reasons()).last().asString().startsWith("spilled over: lambda 2048 MB ran out of time after ")
                .contains("-> standalone (the runtime function timed out");
        assertThat(after.history()).extracting(StateChange::state).containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.QUEUED);
        assertThat(after.spilledFrom().kind()).isEqualTo(ResourceExhaustion.Kind.TIME);
        assertThat(after.spilledFrom().attempt()).startsWith("e4b46cbf-b738-xmpl-8880-a18cdf61200e/");
        assertThat(after.spilledFrom().cost()).isNotNull();
        assertThat(meters.counter(JobOutcomes.SPILLED, "from", "lambda", "to", "standalone", "kind", "TIME").count()).isEqualTo(1.0);

        // the same record again (SQS delivers at least once): the job is on the cluster now, and stays there
        new StatusEvents(jobs).handle(one);
        assertThat(standalone.submitted).containsExactly(job.id());
        assertThat(jobs.get(job.id()).decision().backend()).isEqualTo(Backend.STANDALONE);
        // the cluster run ends (in the cluster's own word, as EMR Serverless' is): its cost and the Lambda attempt's are summed
        standalone.selfReporting = false;
        standalone.status = new BackendStatus(JobState.SUCCEEDED, "SUCCEEDED", "ran 1 statement(s)", new Cost(0.25, "cluster"));
        JobRecord done = jobs.refresh(job.id());
        assertThat(done.state()).as(done.toString()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.cost().usd()).isEqualTo(0.25 + after.spilledFrom().cost().usd());
        assertThat(done.cost().basis()).startsWith("lambda attempt ").endsWith(" + standalone run cluster");
    }

    @Test
    void aRuntimeThatDied_spillsOver_butAScriptErrorDoesNot() throws Exception {
        JobRecord died = claimedWithSpillOver("spill-died", "9a1c2e3f-0000-xmpl-1111-a18cdf612222", out -> { });
        String event = fixture("sqs-lambda-destination-timeout.json").replace("OTHER_JOB_ID", died.id());
        SQSEvent second = LambdaEvents.read(event, SQSEvent.class);
        second.setRecords(second.getRecords().subList(1, 2));
        new StatusEvents(jobs).handle(second);
        assertThat(jobs.get(died.id()).spilledFrom().kind()).isEqualTo(ResourceExhaustion.Kind.DIED);
        assertThat(jobs.get(died.id()).decision().backend()).isEqualTo(Backend.STANDALONE);

        JobRecord bad = claimedWithSpillOver("spill-script", "9a1c2e3f-0000-xmpl-1111-a18cdf612222", out -> { });
        SQSEvent scriptError = LambdaEvents.read(event.replace("OTHER_JOB_ID", bad.id()).replace(died.id(), bad.id())
                .replace("Runtime.ExitError", "org.apache.spark.sql.AnalysisException")
                .replace("RequestId: 9a1c2e3f-0000-xmpl-1111-a18cdf612222 Error: Runtime exited with error: signal: killed",
                        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column with name `nme` cannot be resolved"), SQSEvent.class);
        scriptError.setRecords(scriptError.getRecords().subList(1, 2));
        new StatusEvents(jobs).handle(scriptError);
        JobRecord failed = jobs.get(bad.id());
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.spilledFrom()).isNull();
        assertThat(failed.message()).doesNotContain("spilled");
        assertThat(standalone.submitted).containsExactly(died.id());
    }

    @Test
    void aJobWhoseAttemptWroteToItsOutput_isNotSpilledOver_andItsStatusSaysWhy() throws Exception {
        JobRecord job = claimedWithSpillOver("spill-written", "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
                out -> s3.put("soal-output", S3Uri.parse(out).key() + "part-00000.csv", "half a result"));
        SQSEvent one = LambdaEvents.read(fixture("sqs-lambda-destination-timeout.json").replace("JOB_ID", job.id()), SQSEvent.class);
        one.setRecords(one.getRecords().subList(0, 1));

        new StatusEvents(jobs).handle(one);

        JobRecord after = jobs.get(job.id());
        assertThat(after.state()).isEqualTo(JobState.TIMED_OUT);
        assertThat(after.message()).contains("(ran out of time; not spilled over: a second attempt could mix its output with"
                + " this one's: " + after.request().outputUri() + "part-00000.csv was written at ");
        assertThat(standalone.submitted).isEmpty();
    }

    @Test
    void anEventLambdaDroppedPastItsMaximumAge_endsTheJobFailed_sayingItNeverRan() throws Exception {
        JobRecord job = submitted(lambda, "inv-3");
        String event = fixture("sqs-lambda-destination-event-age.json").replace("JOB_ID", job.id());

        List<StatusEvents.Outcome> out = new StatusEvents(jobs).handle(LambdaEvents.read(event, SQSEvent.class));

        assertThat(out).extracting(StatusEvents.Outcome::result).containsExactly("ended");
        JobRecord after = jobs.get(job.id());
        assertThat(after.state()).isEqualTo(JobState.FAILED);
        assertThat(after.nativeState()).isEqualTo("EventAgeExceeded");
        assertThat(after.message()).isEqualTo("the runtime function never ran it: the event waited in Lambda's queue past"
                + " the functions' maximum event age (EventAgeExceeded)");
    }

    @Test
    void anEventOfAnotherKind_isAnError_namingIt() {
        jobs = null;
        assertThatThrownBy(() -> new StatusEvents(null).handle(LambdaEvents.read(
                "{\"source\":\"aws.s3\",\"detail-type\":\"Object Created\",\"detail\":{}}", ScheduledEvent.class)))
                .isInstanceOf(SoalException.class)
                .hasMessage("not a status event SoAL handles: source 'aws.s3', detail-type 'Object Created'");
        assertThatThrownBy(() -> new StatusEvents(null).handle(new SQSEvent()))
                .hasMessageStartingWith("not an SQS event");
    }
}
