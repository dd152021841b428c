package dev.soal.adapters.glue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
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
import software.amazon.awssdk.services.glue.model.JobRunState;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** GlueBackend against a WireMock Glue (awsJson1_1: POST / with X-Amz-Target; errors in __type). */
class GlueBackendTest {
    private static WireMockAws aws;
    private GlueBackend backend;

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
        backend = new GlueBackend(aws.clients.glue(), new GlueBackend.Config("soal-runner", "s3://soal-jobs/",
                new Policies.GluePolicy("G.2X", 5, 60, "FLEX"), WAREHOUSE), aws.resilience());
    }

    private static MappingBuilder target(String operation) {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AWSGlue." + operation));
    }

    private static ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", "req-1").withBody(body);
    }

    private static ResponseDefinitionBuilder error(int status, String type, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"" + type + "\",\"Message\":\"" + message + "\"}");
    }

    private static String run(String id, String state, String jobId, String error) {
        return "{\"Id\":\"" + id + "\",\"Attempt\":0,\"JobName\":\"soal-runner\",\"StartedOn\":1764067200.0,"
                + "\"LastModifiedOn\":1764067300.0,\"JobRunState\":\"" + state + "\",\"Arguments\":{\"--job-id\":\"" + jobId + "\"},"
                + (error == null ? "" : "\"ErrorMessage\":\"" + error + "\",")
                + "\"ExecutionTime\":300,\"Timeout\":60,\"WorkerType\":\"G.2X\",\"NumberOfWorkers\":5,"
                + "\"GlueVersion\":\"5.0\",\"ExecutionClass\":\"FLEX\"}";
    }

    @Test
    void submit_sendsTheRunnerArgumentsAndThePolicysWorkers() throws Exception {
        aws.server.stubFor(target("StartJobRun").willReturn(json("{\"JobRunId\":\"jr_abc\"}")));
        JobRecord job = WireMockAws.job(Backend.GLUE);

        assertThat(backend.submit(job)).isEqualTo(new SubmitOutcome.Accepted("jr_abc", "STARTING"));

        var req = aws.server.findAll(postRequestedFor(urlEqualTo("/"))).get(0);
        assertThat(req.getHeader("Content-Type")).isEqualTo("application/x-amz-json-1.1");
        JsonNode body = Json.mapper().readTree(req.getBodyAsString());
        assertThat(body.path("JobName").asText()).isEqualTo("soal-runner");
        assertThat(body.path("WorkerType").asText()).isEqualTo("G.2X");
        assertThat(body.path("NumberOfWorkers").asInt()).isEqualTo(5);
        assertThat(body.path("Timeout").asInt()).isEqualTo(60);
        assertThat(body.path("ExecutionClass").asText()).isEqualTo("FLEX");
        @SuppressWarnings("unchecked")
        Map<String, String> args = Json.mapper().convertValue(body.path("Arguments"), Map.class);
        assertThat(args).containsAllEntriesOf(RunnerArgs.of(job, "s3://soal-jobs/", WAREHOUSE).toMap());
        // Glue 5.1's Iceberg, Delta and Hudi, and Kryo, which Hudi's writes need
        assertThat(args).containsEntry("--datalake-formats", "iceberg,delta,hudi")
                .containsEntry("--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer")
                .hasSize(RunnerArgs.of(job, "s3://soal-jobs/", WAREHOUSE).toMap().size() + 2);
        // the soal catalog: the Glue Data Catalog, the warehouse the router was given
        assertThat(args).containsEntry("--catalog", "glue").containsEntry("--warehouse", "s3://soal-data/warehouse/");
    }

    @Test
    void retryAfterALostAnswer_findsItsRunByJobId_andStartsNoSecond() {
        JobRecord job = WireMockAws.job(Backend.GLUE);
        // the first StartJobRun started a run, but its answer was a 500
        aws.server.stubFor(target("StartJobRun").willReturn(error(500, "InternalServiceException", "internal error")));
        aws.server.stubFor(target("GetJobRuns").willReturn(json("{\"JobRuns\":[" + run("jr_other", "RUNNING", "another-job", null)
                + "," + run("jr_mine", "STARTING", job.id(), null) + "]}")));

        assertThat(backend.submit(job)).isEqualTo(new SubmitOutcome.Accepted("jr_mine", "FOUND_ON_RETRY"));
        aws.server.verify(1, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AWSGlue.StartJobRun")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "InvalidInputException, 400, rejected",
            "EntityNotFoundException, 400, rejected",
            "ConcurrentRunsExceededException, 400, unavailable",
            "ResourceNumberLimitExceededException, 400, unavailable",
            "ThrottlingException, 400, unavailable",
            "OperationTimeoutException, 400, rejected",
            "InternalServiceException, 500, unavailable",
    })
    void everyModelledStartJobRunError_hasItsOutcome(String type, int status, String expected) {
        aws.server.stubFor(target("StartJobRun").willReturn(error(status, type, "no: " + type)));
        aws.server.stubFor(target("GetJobRuns").willReturn(json("{\"JobRuns\":[]}")));
        SubmitOutcome out = backend.submit(WireMockAws.job(Backend.GLUE));
        if (expected.equals("rejected")) {
            assertThat(out).isEqualTo(new SubmitOutcome.Rejected(type + ": no: " + type));
        } else {
            assertThat(out).isInstanceOf(SubmitOutcome.Unavailable.class);
            assertThat(((SubmitOutcome.Unavailable) out).reason()).contains(type).contains("started no run");
        }
    }

    @Test
    void throttledOnceThenStarted_isAccepted_afterCheckingForARun() {
        aws.server.stubFor(target("StartJobRun").inScenario("s").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(error(400, "ConcurrentRunsExceededException", "Concurrent runs exceeded").withHeader("Retry-After", "0"))
                .willSetStateTo("free"));
        aws.server.stubFor(target("StartJobRun").inScenario("s").whenScenarioStateIs("free")
                .willReturn(json("{\"JobRunId\":\"jr_2\"}")));
        aws.server.stubFor(target("GetJobRuns").willReturn(json("{\"JobRuns\":[]}")));
        assertThat(backend.submit(WireMockAws.job(Backend.GLUE))).isEqualTo(new SubmitOutcome.Accepted("jr_2", "STARTING"));
    }

    @Test
    void timeout_isAmbiguous_andChecked() {
        JobRecord job = WireMockAws.job(Backend.GLUE);
        aws.server.stubFor(target("StartJobRun").willReturn(json("{\"JobRunId\":\"jr_slow\"}").withFixedDelay(2_000)));
        aws.server.stubFor(target("GetJobRuns").willReturn(json("{\"JobRuns\":[" + run("jr_slow", "RUNNING", job.id(), null) + "]}")));
        assertThat(backend.submit(job)).isEqualTo(new SubmitOutcome.Accepted("jr_slow", "FOUND_ON_RETRY"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "WAITING, QUEUED", "STARTING, QUEUED", "RUNNING, RUNNING", "STOPPING, CANCELLING", "STOPPED, CANCELLED",
            "SUCCEEDED, SUCCEEDED", "FAILED, FAILED", "ERROR, FAILED", "TIMEOUT, TIMED_OUT", "EXPIRED, TIMED_OUT",
    })
    void everyNativeState_mapsToTheUnifiedOne(String nativeState, JobState expected) {
        JobRecord job = WireMockAws.job(Backend.GLUE).withBackendHandle("jr_9", Instant.now());
        aws.server.stubFor(target("GetJobRun").willReturn(json("{\"JobRun\":" + run("jr_9", nativeState, job.id(),
                nativeState.equals("FAILED") ? "Py4J died" : null) + "}")));
        BackendStatus s = backend.status(job);
        assertThat(s.state()).isEqualTo(expected);
        assertThat(s.nativeState()).isEqualTo(nativeState);
        if (nativeState.equals("FAILED")) {
            assertThat(s.message()).isEqualTo("Py4J died");
        }
        if (nativeState.equals("EXPIRED")) {
            assertThat(s.message()).startsWith("the run expired");
        }
        if (expected.isTerminal()) {
            // 300 s x 5 workers x 2 DPU = 3000 DPU-s at the FLEX rate
            assertThat(s.cost().usd()).isCloseTo(3000 / 3600.0 * 0.29, org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void cost_comesFromTheRunsOwnWorkerTypeAndCount_notThePolicys() {
        JobRecord job = WireMockAws.job(Backend.GLUE).withBackendHandle("jr_8", Instant.now());
        String ownWorkers = run("jr_8", "SUCCEEDED", job.id(), null).replace("\"WorkerType\":\"G.2X\",\"NumberOfWorkers\":5",
                "\"WorkerType\":\"G.8X\",\"NumberOfWorkers\":3").replace("\"FLEX\"", "\"STANDARD\"");
        aws.server.stubFor(target("GetJobRun").willReturn(json("{\"JobRun\":" + ownWorkers + "}")));
        // 300 s x 3 workers x 8 DPU = 7200 DPU-s at the standard rate (the policy says G.2X x 5)
        assertThat(backend.status(job).cost().usd()).isCloseTo(7200 / 3600.0 * 0.44, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void jobIdOf_readsTheRunsJobIdArgument() {
        aws.server.stubFor(target("GetJobRun").willReturn(json("{\"JobRun\":" + run("jr_7", "RUNNING", "20261125-000000-abc", null) + "}")));
        assertThat(backend.jobIdOf("jr_7")).contains("20261125-000000-abc");
    }

    @Test
    void everyGlueStateIsMapped() {
        assertThat(Arrays.stream(JobRunState.values()).filter(s -> s != JobRunState.UNKNOWN_TO_SDK_VERSION))
                .allMatch(GlueBackend.STATES::containsKey);
    }

    @Test
    void cancel_batchStopJobRun_errorsInsideA200_areFailures() {
        JobRecord job = WireMockAws.job(Backend.GLUE).withBackendHandle("jr_5", Instant.now());
        aws.server.stubFor(target("BatchStopJobRun").willReturn(json("{\"SuccessfulSubmissions\":[],\"Errors\":[{\"JobName\":"
                + "\"soal-runner\",\"JobRunId\":\"jr_5\",\"ErrorDetail\":{\"ErrorCode\":\"InvalidInputException\","
                + "\"ErrorMessage\":\"Job run jr_5 is not running\"}}]}")));
        assertThatThrownBy(() -> backend.cancel(job))
                .hasMessageContaining("glue could not stop run jr_5: InvalidInputException: Job run jr_5 is not running");
    }

    @Test
    void cancel_succeeds() {
        JobRecord job = WireMockAws.job(Backend.GLUE).withBackendHandle("jr_6", Instant.now());
        aws.server.stubFor(target("BatchStopJobRun").willReturn(json("{\"SuccessfulSubmissions\":[{\"JobName\":\"soal-runner\","
                + "\"JobRunId\":\"jr_6\"}],\"Errors\":[]}")));
        backend.cancel(job);
        aws.server.verify(1, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AWSGlue.BatchStopJobRun"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.JobRunIds[0]", equalTo("jr_6"))));
    }

    @Test
    void statusOfAnUnknownRun_isAClearError() {
        JobRecord job = WireMockAws.job(Backend.GLUE).withBackendHandle("jr_x", Instant.now());
        aws.server.stubFor(target("GetJobRun").willReturn(error(400, "EntityNotFoundException", "Job run not found")));
        assertThatThrownBy(() -> backend.status(job)).hasMessageContaining("Job run not found");
    }
}
