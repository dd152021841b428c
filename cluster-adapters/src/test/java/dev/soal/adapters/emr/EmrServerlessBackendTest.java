package dev.soal.adapters.emr;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.soal.adapters.aws.WireMockAws;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.RunnerArgs;
import dev.soal.core.SubmitOutcome;
import dev.soal.policies.Policies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.emrserverless.model.JobRunState;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** EmrServerlessBackend against a WireMock EMR Serverless (rest-json; errors in x-amzn-ErrorType). */
class EmrServerlessBackendTest {
    private static final String APP = "00fabcdefghij01k";
    private static final String RUNS = "/applications/" + APP + "/jobruns";
    private static WireMockAws aws;
    private EmrServerlessBackend backend;

    @BeforeAll
    static void start() {
        aws = new WireMockAws();
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    static final dev.soal.core.TableSettings WAREHOUSE = dev.soal.core.TableSettings.glue("s3://soal-data/warehouse/");

    @BeforeEach
    void reset() {
        aws.server.resetAll();
        backend = new EmrServerlessBackend(aws.clients.emrServerless(), new EmrServerlessBackend.Config(APP,
                "arn:aws:iam::123456789012:role/soal-emr", "s3://soal-artifacts/soal-runner.jar",
                "s3://soal-logs/emr/", "s3://soal-jobs/", Policies.EmrPolicy.ofDefaults(), WAREHOUSE), aws.resilience());
    }

    private static String startedRun(String id) {
        return "{\"applicationId\":\"" + APP + "\",\"jobRunId\":\"" + id + "\",\"arn\":\"arn:aws:emr-serverless:us-east-1:123456789012:/applications/"
                + APP + "/jobruns/" + id + "\"}";
    }

    private static String jobRun(String id, String state, String details, Integer seconds, String billed) {
        return "{\"jobRun\":{\"applicationId\":\"" + APP + "\",\"jobRunId\":\"" + id + "\",\"name\":\"soal-x\","
                + "\"arn\":\"arn:aws:emr-serverless:us-east-1:123456789012:/applications/" + APP + "/jobruns/" + id + "\","
                + "\"createdBy\":\"arn:aws:iam::123456789012:role/soal-router\",\"createdAt\":1764067200.0,\"updatedAt\":1764067260.0,"
                + "\"executionRole\":\"arn:aws:iam::123456789012:role/soal-emr\",\"state\":\"" + state + "\","
                + "\"stateDetails\":\"" + (details == null ? "" : details) + "\",\"releaseLabel\":\"emr-7.5.0\","
                + "\"jobDriver\":{\"sparkSubmit\":{\"entryPoint\":\"s3://soal-artifacts/soal-runner.jar\"}},"
                + "\"executionTimeoutMinutes\":120"
                + (seconds == null ? "" : ",\"totalExecutionDurationSeconds\":" + seconds)
                + (billed == null ? "" : ",\"billedResourceUtilization\":" + billed)
                + "}}";
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder error(int status, String type, String message) {
        return aResponse().withStatus(status).withHeader("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.emrserverless/")
                .withHeader("Content-Type", "application/json").withHeader("x-amzn-RequestId", "req-1")
                .withBody("{\"message\":\"" + message + "\"}");
    }

    @Test
    void submit_sendsTheRunnerJarTheArgumentsTheSizesAndTheJobIdAsClientToken() throws Exception {
        aws.server.stubFor(post(urlEqualTo(RUNS)).willReturn(okJson(startedRun("00fjr1"))));
        JobRecord job = WireMockAws.job(Backend.EMR_SERVERLESS);

        SubmitOutcome out = backend.submit(job);

        assertThat(out).isEqualTo(new SubmitOutcome.Accepted("00fjr1", "SUBMITTED"));
        LoggedRequest req = aws.server.findAll(postRequestedFor(urlEqualTo(RUNS))).get(0);
        JsonNode body = Json.mapper().readTree(req.getBodyAsString());
        assertThat(body.path("clientToken").asText()).isEqualTo(job.id());
        assertThat(body.path("name").asText()).isEqualTo("soal-" + job.id());
        assertThat(body.path("executionRoleArn").asText()).isEqualTo("arn:aws:iam::123456789012:role/soal-emr");
        assertThat(body.path("executionTimeoutMinutes").asInt()).isEqualTo(120);
        JsonNode submit = body.path("jobDriver").path("sparkSubmit");
        assertThat(submit.path("entryPoint").asText()).isEqualTo("s3://soal-artifacts/soal-runner.jar");
        List<String> args = Json.mapper().convertValue(submit.path("entryPointArguments"), List.class);
        RunnerArgs sent = RunnerArgs.parse(args.toArray(String[]::new));
        assertThat(sent).isEqualTo(RunnerArgs.of(job, "s3://soal-jobs/", WAREHOUSE));
        // the soal catalog: the Glue Data Catalog, the warehouse the router was given
        assertThat(args).containsSubsequence("--catalog", "glue").containsSubsequence("--warehouse", "s3://soal-data/warehouse/");
        assertThat(submit.path("sparkSubmitParameters").asText())
                .startsWith("--class dev.soal.runtime.RunnerMain ")
                .contains("--conf spark.executor.cores=4", "--conf spark.executor.memory=16g",
                        "--conf spark.dynamicAllocation.maxExecutors=20")
                // Iceberg's, Delta's and Hudi's jars as the EMR release ships them, and the serializer Hudi needs
                .contains("--conf spark.jars=/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar,"
                        + "/usr/share/aws/delta/lib/delta-spark.jar,/usr/share/aws/delta/lib/delta-storage.jar,"
                        + "/usr/lib/hudi/hudi-spark-bundle.jar ")
                .contains("--conf spark.serializer=org.apache.spark.serializer.KryoSerializer");
        assertThat(body.path("configurationOverrides").path("monitoringConfiguration").path("s3MonitoringConfiguration")
                .path("logUri").asText()).isEqualTo("s3://soal-logs/emr/");
        assertThat(body.path("tags").path("soal-job-id").asText()).isEqualTo(job.id());
        assertThat(req.getHeader("Authorization")).startsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/");
        assertThat(req.getHeader("Authorization")).contains("/us-east-1/emr-serverless/aws4_request");
    }

    @Test
    void withAnEventLogDirectory_runsWriteTheirSparkEventLogThere() throws Exception {
        aws.server.stubFor(post(urlEqualTo(RUNS)).willReturn(okJson(startedRun("00fjr2"))));
        EmrServerlessBackend logging = new EmrServerlessBackend(aws.clients.emrServerless(), new EmrServerlessBackend.Config(APP,
                "arn:aws:iam::123456789012:role/soal-emr", "s3://soal-artifacts/soal-runner.jar", "s3://soal-logs/emr/",
                "s3://soal-jobs/", Policies.EmrPolicy.ofDefaults(), WAREHOUSE, "s3://soal-output/soal-logs/spark-events/"),
                aws.resilience());
        logging.submit(WireMockAws.job(Backend.EMR_SERVERLESS));
        JsonNode body = Json.mapper().readTree(aws.server.findAll(postRequestedFor(urlEqualTo(RUNS))).get(0).getBodyAsString());
        assertThat(body.path("jobDriver").path("sparkSubmit").path("sparkSubmitParameters").asText())
                .contains("--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=s3://soal-output/soal-logs/spark-events/");
        // and none without one: the service's own
        aws.server.resetRequests();
        backend.submit(WireMockAws.job(Backend.EMR_SERVERLESS));
        assertThat(aws.server.findAll(postRequestedFor(urlEqualTo(RUNS))).get(0).getBodyAsString()).doesNotContain("spark.eventLog");
    }

    @Test
    void retriedSubmit_usesTheSameClientToken_soEmrReturnsTheSameRun() {
        aws.server.stubFor(post(urlEqualTo(RUNS)).willReturn(okJson(startedRun("00fjr1"))));
        JobRecord job = WireMockAws.job(Backend.EMR_SERVERLESS);
        backend.submit(job);
        backend.submit(job);
        List<String> tokens = aws.server.findAll(postRequestedFor(urlEqualTo(RUNS))).stream()
                .map(r -> Json.mapper().convertValue(readTree(r.getBodyAsString()).path("clientToken"), String.class)).toList();
        assertThat(tokens).containsExactly(job.id(), job.id());
    }

    @Test
    void throttled_429_withRetryAfter_isRetriedAfterTheWaitItAsks() {
        aws.server.stubFor(post(urlEqualTo(RUNS)).inScenario("t").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(error(429, "ThrottlingException", "Rate exceeded").withHeader("Retry-After", "1"))
                .willSetStateTo("ok"));
        aws.server.stubFor(post(urlEqualTo(RUNS)).inScenario("t").whenScenarioStateIs("ok")
                .willReturn(okJson(startedRun("00fjr2"))));
        var throttles = aws.meters.counter("soal.backend.errors", "backend", "emr-serverless", "code", "ThrottlingException");
        double before = throttles.count();
        long t0 = System.nanoTime();
        SubmitOutcome out = backend.submit(WireMockAws.job(Backend.EMR_SERVERLESS));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(out).isEqualTo(new SubmitOutcome.Accepted("00fjr2", "SUBMITTED"));
        assertThat(waitedMs).isGreaterThanOrEqualTo(950);
        assertThat(throttles.count() - before).isEqualTo(1);
    }

    @Test
    void underARequestsDeadline_noRetryWaitsPastIt_theLastAnswerComesBackAtOnce() {
        aws.server.stubFor(post(urlEqualTo(RUNS)).willReturn(error(429, "ThrottlingException", "Rate exceeded")
                .withHeader("Retry-After", "1")));
        aws.server.stubFor(get(urlPathEqualTo(RUNS)).willReturn(okJson("{\"jobRuns\":[]}")));
        long t0 = System.nanoTime();
        // 3 s left: a 1 s wait and one more attempt (up to the clients' attempt timeout) do not fit
        SubmitOutcome out = dev.soal.core.Deadline.in(java.time.Duration.ofSeconds(3), "the API's answer")
                .run(() -> backend.submit(WireMockAws.job(Backend.EMR_SERVERLESS)));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(out).isInstanceOf(SubmitOutcome.Unavailable.class);
        assertThat(aws.server.findAll(postRequestedFor(urlEqualTo(RUNS)))).hasSize(1);
        assertThat(tookMs).isLessThan(900);
    }

    @Test
    void throttledEveryTime_isUnavailable_soTheJobMayFallBack() {
        aws.server.stubFor(post(urlEqualTo(RUNS)).willReturn(error(429, "ThrottlingException", "Rate exceeded")));
        aws.server.stubFor(get(urlPathEqualTo(RUNS)).willReturn(okJson("{\"jobRuns\":[]}")));
        SubmitOutcome out = backend.submit(WireMockAws.job(Backend.EMR_SERVERLESS));
        assertThat(out).isInstanceOf(SubmitOutcome.Unavailable.class);
        assertThat(((SubmitOutcome.Unavailable) out).reason()).contains("ThrottlingException: Rate exceeded");
        aws.server.verify(3, postRequestedFor(urlEqualTo(RUNS)));
    }

    @ParameterizedTest(name = "{1} {0}")
    @CsvSource({
            "ValidationException, 400, rejected",
            "ResourceNotFoundException, 404, rejected",
            "ConflictException, 409, rejected",
            "ServiceQuotaExceededException, 402, unavailable",
            "InternalServerException, 500, unavailable-after-check",
    })
    void everyModelledStartJobRunError_hasItsOutcome(String type, int status, String expected) {
        aws.server.stubFor(post(urlEqualTo(RUNS)).willReturn(error(status, type, "it went wrong: " + type)));
        aws.server.stubFor(get(urlPathEqualTo(RUNS)).willReturn(okJson("{\"jobRuns\":[]}")));
        SubmitOutcome out = backend.submit(WireMockAws.job(Backend.EMR_SERVERLESS));
        switch (expected) {
            case "rejected" -> {
                assertThat(out).isEqualTo(new SubmitOutcome.Rejected(type + ": it went wrong: " + type));
                aws.server.verify(1, postRequestedFor(urlEqualTo(RUNS)));
            }
            case "unavailable" -> assertThat(out).isInstanceOf(SubmitOutcome.Unavailable.class);
            default -> {
                assertThat(out).isInstanceOf(SubmitOutcome.Unavailable.class);
                assertThat(((SubmitOutcome.Unavailable) out).reason()).contains("started no run");
                aws.server.verify(3, postRequestedFor(urlEqualTo(RUNS)));
            }
        }
    }

    @Test
    void timeout_thenTheRunIsFoundByName_isAccepted_notStartedTwice() {
        JobRecord job = WireMockAws.job(Backend.EMR_SERVERLESS);
        aws.server.stubFor(post(urlEqualTo(RUNS)).willReturn(okJson(startedRun("00fslow")).withFixedDelay(2_000)));
        aws.server.stubFor(get(urlPathEqualTo(RUNS)).withQueryParam("createdAtAfter", matching(".+"))
                .willReturn(okJson("{\"jobRuns\":[{\"applicationId\":\"" + APP + "\",\"id\":\"00fslow\",\"name\":\"soal-" + job.id()
                        + "\",\"arn\":\"arn:x\",\"createdBy\":\"me\",\"createdAt\":1764067200.0,\"updatedAt\":1764067200.0,"
                        + "\"executionRole\":\"arn:r\",\"state\":\"PENDING\",\"stateDetails\":\"\",\"releaseLabel\":\"emr-7.5.0\"}]}")));

        SubmitOutcome out = backend.submit(job);

        assertThat(out).isEqualTo(new SubmitOutcome.Accepted("00fslow", "FOUND_AFTER_Timeout"));
    }

    @Test
    void failureThenListingFails_tooIsAnError_notAFallback() {
        aws.server.stubFor(post(urlEqualTo(RUNS)).willReturn(error(500, "InternalServerException", "oops")));
        aws.server.stubFor(get(urlPathEqualTo(RUNS)).willReturn(error(500, "InternalServerException", "oops")));
        assertThatThrownBy(() -> backend.submit(WireMockAws.job(Backend.EMR_SERVERLESS)))
                .hasMessageContaining("cannot tell whether a run started, so not falling back");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "SUBMITTED, QUEUED", "PENDING, QUEUED", "SCHEDULED, QUEUED", "QUEUED, QUEUED", "RUNNING, RUNNING",
            "SUCCESS, SUCCEEDED", "FAILED, FAILED", "CANCELLING, CANCELLING", "CANCELLED, CANCELLED",
    })
    void everyNativeState_mapsToTheUnifiedOne(String nativeState, JobState expected) {
        JobRecord job = WireMockAws.job(Backend.EMR_SERVERLESS).withBackendHandle("00fjr9", Instant.now());
        aws.server.stubFor(get(urlEqualTo(RUNS + "/00fjr9")).willReturn(okJson(jobRun("00fjr9", nativeState, "details here", 30,
                "{\"vCPUHour\":0.5,\"memoryGBHour\":2.0,\"storageGBHour\":0.0}"))));
        BackendStatus s = backend.status(job);
        assertThat(s.state()).isEqualTo(expected);
        assertThat(s.nativeState()).isEqualTo(nativeState);
        assertThat(s.message()).isEqualTo("details here");
        if (expected.isTerminal()) {
            assertThat(s.cost().usd()).isCloseTo(0.5 * 0.052624 + 2.0 * 0.0057785, org.assertj.core.data.Offset.offset(1e-9));
        } else {
            assertThat(s.cost()).isNull();
        }
    }

    @Test
    void everyEmrStateIsMapped() {
        assertThat(Arrays.stream(JobRunState.values()).filter(s -> s != JobRunState.UNKNOWN_TO_SDK_VERSION))
                .allMatch(EmrServerlessBackend.STATES::containsKey);
    }

    @Test
    void cancelledPastTheTimeout_withoutOurCancel_isTimedOut() {
        JobRecord running = WireMockAws.job(Backend.EMR_SERVERLESS).withBackendHandle("00fjr7", Instant.now())
                .transition(JobState.RUNNING, "RUNNING", null, Instant.now());
        aws.server.stubFor(get(urlEqualTo(RUNS + "/00fjr7")).willReturn(okJson(jobRun("00fjr7", "CANCELLED",
                "Job run cancelled", 7200, null))));
        BackendStatus s = backend.status(running);
        assertThat(s.state()).isEqualTo(JobState.TIMED_OUT);
        assertThat(s.nativeState()).isEqualTo("CANCELLED");
        assertThat(s.message()).startsWith("ran past executionTimeoutMinutes 120");

        JobRecord cancelling = running.transition(JobState.CANCELLING, "CANCELLING", "asked", Instant.now());
        assertThat(backend.status(cancelling).state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void timeouts_areJudgedByTheRunsOwnExecutionTimeoutMinutes() {
        JobRecord running = WireMockAws.job(Backend.EMR_SERVERLESS).withBackendHandle("00fjr6", Instant.now())
                .transition(JobState.RUNNING, "RUNNING", null, Instant.now());
        // started with a 30-minute limit (the policy now says 120): cancelled by EMR after 30 minutes
        aws.server.stubFor(get(urlEqualTo(RUNS + "/00fjr6")).willReturn(okJson(jobRun("00fjr6", "CANCELLED", "", 1800, null)
                .replace("\"executionTimeoutMinutes\":120", "\"executionTimeoutMinutes\":30"))));
        BackendStatus s = backend.status(running);
        assertThat(s.state()).isEqualTo(JobState.TIMED_OUT);
        assertThat(s.message()).isEqualTo("ran past executionTimeoutMinutes 30");
    }

    @Test
    void queuedRun_keepsEmrsOwnStateDetails() {
        JobRecord job = WireMockAws.job(Backend.EMR_SERVERLESS).withBackendHandle("00fjr4", Instant.now());
        aws.server.stubFor(get(urlEqualTo(RUNS + "/00fjr4")).willReturn(okJson(jobRun("00fjr4", "QUEUED",
                "Application concurrency limit reached", null, null))));
        BackendStatus s = backend.status(job);
        assertThat(s.state()).isEqualTo(JobState.QUEUED);
        assertThat(s.nativeState()).isEqualTo("QUEUED");
        assertThat(s.message()).isEqualTo("Application concurrency limit reached");
    }

    @Test
    void jobIdOf_readsTheRunsTag_orItsName() {
        aws.server.stubFor(get(urlEqualTo(RUNS + "/00fjr3")).willReturn(okJson(jobRun("00fjr3", "RUNNING", "", null, null)
                .replace("\"name\":\"soal-x\"", "\"name\":\"renamed\",\"tags\":{\"soal-job-id\":\"20261125-000000-abc\"}"))));
        assertThat(backend.jobIdOf("00fjr3")).contains("20261125-000000-abc");
        aws.server.stubFor(get(urlEqualTo(RUNS + "/00fjr2")).willReturn(okJson(jobRun("00fjr2", "RUNNING", "", null, null)
                .replace("\"name\":\"soal-x\"", "\"name\":\"soal-20261125-000000-def\""))));
        assertThat(backend.jobIdOf("00fjr2")).contains("20261125-000000-def");
    }

    @Test
    void statusOfAMissingRun_isAClearError() {
        JobRecord job = WireMockAws.job(Backend.EMR_SERVERLESS).withBackendHandle("00fgone", Instant.now());
        aws.server.stubFor(get(urlEqualTo(RUNS + "/00fgone")).willReturn(error(404, "ResourceNotFoundException", "Job run 00fgone does not exist")));
        assertThatThrownBy(() -> backend.status(job)).hasMessageContaining("Job run 00fgone does not exist");
    }

    @Test
    void cancel_callsCancelJobRun() {
        JobRecord job = WireMockAws.job(Backend.EMR_SERVERLESS).withBackendHandle("00fjr5", Instant.now());
        aws.server.stubFor(delete(urlEqualTo(RUNS + "/00fjr5")).willReturn(okJson("{\"applicationId\":\"" + APP + "\",\"jobRunId\":\"00fjr5\"}")));
        backend.cancel(job);
        aws.server.verify(1, deleteRequestedFor(urlEqualTo(RUNS + "/00fjr5")));
    }

    private static JsonNode readTree(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
