package dev.soal.router.aws;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.soal.adapters.aws.AwsClients;
import dev.soal.adapters.lambda.LambdaBackend;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.JobService;
import dev.soal.router.SoalMetrics;
import dev.soal.embedded.s3.EmbeddedS3;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The router configured for AWS from its environment, with the control planes on WireMock and S3 on S3Proxy. */
class AwsRouterTest {
    private static WireMockServer wire;
    private static EmbeddedS3 s3Server;
    private static S3Client s3;

    @BeforeAll
    static void start() throws Exception {
        wire = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wire.start();
        s3Server = EmbeddedS3.start(Files.createTempDirectory("soal-aws-s3"));
        s3 = S3Clients.create(s3Server.settings());
        for (String b : List.of("soal-jobs", "soal-data", "soal-output", "soal-scripts")) {
            s3.createBucket(r -> r.bucket(b));
        }
        s3.putObject(r -> r.bucket("soal-scripts").key("job.sql"), RequestBody.fromString("SELECT 1"));
        s3.putObject(r -> r.bucket("soal-data").key("big.csv"), RequestBody.fromString("x".repeat(1000)));
    }

    @AfterAll
    static void stop() {
        s3.close();
        s3Server.close();
        wire.stop();
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "eu-west-1");
        env.put("SOAL_JOB_STORE", "s3://soal-jobs/aws/");
        env.put("SOAL_OUTPUT_BASE", "s3://soal-output/jobs/");
        env.put("SOAL_RUNNER_JAR_URI", "s3://soal-artifacts/soal-runner.jar");
        env.put("SOAL_EMR_APPLICATION_ID", "00fapp");
        env.put("SOAL_EMR_EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/soal-emr");
        env.put("SOAL_METRICS", "none");
        return env;
    }

    @Test
    void configuredFromTheEnvironment_routesToEmrServerless() {
        AwsRouterConfig config = AwsRouterConfig.fromEnvironment(env());
        wire.stubFor(post(urlEqualTo("/applications/00fapp/jobruns")).willReturn(okJson(
                "{\"applicationId\":\"00fapp\",\"jobRunId\":\"00frun\",\"arn\":\"arn:x\"}")));
        AwsClients clients = new AwsClients(Region.of(config.region()), URI.create(wire.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "s")), Duration.ofSeconds(5));

        JobService jobs = AwsRouter.create(config, clients, s3, new SimpleMeterRegistry(), Clock.systemUTC());
        JobRecord job = jobs.submit(new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/big.csv"),
                null, null, null, null, null)).job();

        assertThat(job.decision().backend()).isEqualTo(Backend.EMR_SERVERLESS);
        assertThat(job.decision().reasons().get(0)).contains("but lambda is not configured here -> emr-serverless");
        assertThat(job.backendHandle()).isEqualTo("00frun");
        assertThat(wire.findAll(postRequestedFor(urlEqualTo("/applications/00fapp/jobruns"))).get(0).getHeader("Authorization"))
                .contains("/eu-west-1/emr-serverless/aws4_request");
    }

    @Test
    void missingOrHalfSettings_areNamed() {
        Map<String, String> noRegion = env();
        noRegion.remove("AWS_REGION");
        assertThatThrownBy(() -> AwsRouterConfig.fromEnvironment(noRegion)).hasMessage("AWS_REGION must be set");
        Map<String, String> halfEmr = env();
        halfEmr.remove("SOAL_EMR_EXECUTION_ROLE_ARN");
        assertThatThrownBy(() -> AwsRouterConfig.fromEnvironment(halfEmr)).hasMessageContaining("must be set together");
        Map<String, String> noJar = env();
        noJar.remove("SOAL_RUNNER_JAR_URI");
        assertThatThrownBy(() -> AwsRouterConfig.fromEnvironment(noJar)).hasMessageContaining("SOAL_RUNNER_JAR_URI");
        Map<String, String> nothing = env();
        nothing.remove("SOAL_EMR_APPLICATION_ID");
        nothing.remove("SOAL_EMR_EXECUTION_ROLE_ARN");
        assertThatThrownBy(() -> AwsRouterConfig.fromEnvironment(nothing)).hasMessageContaining("no backend is configured");
        Map<String, String> badStore = env();
        badStore.put("SOAL_JOB_STORE", "/tmp/jobs");
        assertThatThrownBy(() -> AwsRouterConfig.fromEnvironment(badStore)).hasMessageContaining("not an S3 URI");
        Map<String, String> badAge = env();
        badAge.put("SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS", "15m");
        assertThatThrownBy(() -> AwsRouterConfig.fromEnvironment(badAge))
                .hasMessage("SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS must be a number of seconds, but was '15m'");
    }

    @Test
    void theApiFunction_answersWithinItsInvocationsDeadline_aSubmitWithNoTimeForOneAttemptWaitsQueued() throws Exception {
        AwsRouterConfig config = AwsRouterConfig.fromEnvironment(env());
        AwsClients clients = new AwsClients(Region.of(config.region()), URI.create(wire.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "s")), Duration.ofSeconds(5));
        wire.resetRequests();
        JobService jobs = AwsRouter.create(config, clients, s3, new SimpleMeterRegistry(), Clock.systemUTC());
        ApiFunction api = new ApiFunction(new dev.soal.router.api.JobsApi(jobs), () -> { });
        var event = new com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withResource("/jobs").withPath("/jobs")
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/big.csv\"]}");

        long t0 = System.nanoTime();
        // 6 s left in the invocation: 4 s for the answer, less than one EMR Serverless attempt may take
        var response = api.handleRequest(event, context(6_000));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        assertThat(response.getBody()).contains("\"state\":\"QUEUED\"");
        String jobId = dev.soal.core.Json.mapper().readTree(response.getBody()).path("jobId").asText();
        assertThat(jobs.get(jobId).message()).contains("no time left to submit before the API's answer was due");
        assertThat(jobs.get(jobId).submitLease()).as("the reconciler sends it").isNull();
        assertThat(wire.findAll(postRequestedFor(urlEqualTo("/applications/00fapp/jobruns")))).isEmpty();
        assertThat(tookMs).isLessThan(4_000);
        assertThat(new ApiFunction(new dev.soal.router.api.JobsApi(jobs), () -> { }).deadline(context(900_000))
                .remaining()).isLessThanOrEqualTo(ApiFunction.ANSWER_WITHIN);
    }

    /** What Lambda's runtime passes: here only the remaining time matters. */
    private static com.amazonaws.services.lambda.runtime.Context context(int remainingMillis) {
        return (com.amazonaws.services.lambda.runtime.Context) java.lang.reflect.Proxy.newProxyInstance(
                AwsRouterTest.class.getClassLoader(), new Class<?>[]{com.amazonaws.services.lambda.runtime.Context.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getRemainingTimeInMillis" -> remainingMillis;
                    case "getLogStreamName" -> "2026/12/06/[$LATEST]test";
                    case "getMemoryLimitInMB" -> 1024;
                    default -> null;
                });
    }

    @Test
    void theLambdaStartLease_followsTheFunctionsMaximumEventAge() {
        Map<String, String> env = env();
        env.put("SOAL_RUNTIME_FUNCTION", "soal-runtime-{memoryMb}");
        assertThat(AwsRouterConfig.fromEnvironment(env).runtimeMaxEventAgeSeconds()).isEqualTo(900);
        env.put("SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS", "3600");
        LambdaBackend.Config lambda = AwsRouter.lambdaConfig(AwsRouterConfig.fromEnvironment(env), PolicyLoader.defaults());
        assertThat(lambda.maxEventAge()).isEqualTo(Duration.ofHours(1));
        assertThat(new LambdaBackend(null, lambda, null, Clock.systemUTC()).startLease()).isEqualTo(Duration.ofSeconds(3600 + 60));
        env.put("SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS", "30");
        assertThatThrownBy(() -> AwsRouter.lambdaConfig(AwsRouterConfig.fromEnvironment(env), PolicyLoader.defaults()))
                .hasMessageContaining("maxEventAge must be within 60 s..6 h");
    }

    /**
     * A Lambda job whose runtime exited with Spark's out-of-memory code runs again on the cluster, at the wire: the
     * on-failure record through the status handler, the cluster's StartJobRun as its service model has it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"emr-serverless", "glue"})
    void aLambdaJobThatRanOutOfMemory_spillsOverToTheCluster_atTheWire(String cluster) throws Exception {
        Map<String, String> env = env();
        env.put("SOAL_RUNTIME_FUNCTION", "soal-runtime-{memoryMb}");
        if (cluster.equals("glue")) {
            env.remove("SOAL_EMR_APPLICATION_ID");
            env.remove("SOAL_EMR_EXECUTION_ROLE_ARN");
            env.put("SOAL_GLUE_JOB_NAME", "soal-runner");
        }
        env.put("SOAL_JOB_STORE", "s3://soal-jobs/spill-" + cluster + "/");
        AwsRouterConfig config = AwsRouterConfig.fromEnvironment(env);
        wire.resetAll();
        wire.stubFor(post(urlEqualTo("/2015-03-31/functions/soal-runtime-2048/invocations"))
                .willReturn(aResponse().withStatus(202).withHeader("x-amzn-RequestId", "inv-1")));
        wire.stubFor(post(urlEqualTo("/applications/00fapp/jobruns")).willReturn(okJson(
                "{\"applicationId\":\"00fapp\",\"jobRunId\":\"00frun\",\"arn\":\"arn:x\"}")));
        wire.stubFor(post(urlEqualTo("/")).withHeader("X-Amz-Target", com.github.tomakehurst.wiremock.client.WireMock.equalTo("AWSGlue.StartJobRun"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody("{\"JobRunId\":\"jr_spilled\"}")));
        AwsClients clients = new AwsClients(Region.of(config.region()), URI.create(wire.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "s")), Duration.ofSeconds(5));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        JobService jobs = AwsRouter.create(config, clients, s3, meters, Clock.systemUTC());
        JobRecord job = jobs.submit(new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/big.csv"),
                null, null, null, null, null)).job();
        assertThat(job.decision().backend()).isEqualTo(Backend.LAMBDA);
        // the runtime claimed it, then Spark's handler ended the JVM: the on-failure record says so
        new dev.soal.adapters.s3.S3JobStore(s3, dev.soal.core.S3Uri.parse(env.get("SOAL_JOB_STORE"))).update(job.id(),
                j -> dev.soal.core.RuntimeAttempts.claim(j, "req-oom/abcd", "lambda soal-runtime-2048 (2048 MB)",
                        java.time.Instant.now(), dev.soal.core.RuntimeAttempts.DEFAULT_LEASE));
        String body = "{\"version\":\"1.0\",\"timestamp\":\"2026-12-07T01:00:00.000Z\",\"requestContext\":{\"requestId\":\"req-oom\","
                + "\"functionArn\":\"arn:aws:lambda:eu-west-1:123456789012:function:soal-runtime-2048:$LATEST\",\"condition\":"
                + "\"RetriesExhausted\",\"approximateInvokeCount\":1},\"requestPayload\":{\"job\":{\"id\":\"" + job.id() + "\"}},"
                + "\"responseContext\":{\"statusCode\":200,\"executedVersion\":\"$LATEST\",\"functionError\":\"Unhandled\"},"
                + "\"responsePayload\":{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: req-oom Error: Runtime"
                + " exited with error: exit status 52\"}}";
        var sqs = new com.amazonaws.services.lambda.runtime.events.SQSEvent();
        var message = new com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage();
        message.setBody(body);
        sqs.setRecords(List.of(message));

        new dev.soal.router.status.StatusEvents(jobs).handle(sqs);

        JobRecord after = jobs.get(job.id());
        assertThat(after.decision().backend()).isEqualTo(Backend.fromId(cluster));
        assertThat(after.backendHandle()).isEqualTo(cluster.equals("glue") ? "jr_spilled" : "00frun");
        assertThat(after.spilledFrom().kind()).isEqualTo(dev.soal.core.ResourceExhaustion.Kind.MEMORY);
        assertThat(after.decision().reasons()).last().asString()
                .startsWith("spilled over: lambda 2048 MB ran out of memory after ").contains("-> " + cluster);
        String started = cluster.equals("glue")
                ? wire.findAll(postRequestedFor(urlEqualTo("/"))).get(0).getBodyAsString()
                : wire.findAll(postRequestedFor(urlEqualTo("/applications/00fapp/jobruns"))).get(0).getBodyAsString();
        // the same job id, so the cluster's runner reports to the same record
        assertThat(started).contains("\"--job-id\"").contains(job.id());
        assertThat(meters.counter(dev.soal.core.JobOutcomes.SPILLED, "from", "lambda", "to", cluster, "kind", "MEMORY").count())
                .isEqualTo(1.0);
    }

    @Test
    void theRuntimeFunctionsTimeout_comesFromThePolicies() {
        Map<String, String> env = env();
        env.put("SOAL_RUNTIME_FUNCTION", "soal-runtime-{memoryMb}");
        assertThat(AwsRouter.lambdaConfig(AwsRouterConfig.fromEnvironment(env), PolicyLoader.defaults()).functionTimeout())
                .isEqualTo(Duration.ofSeconds(900));
        dev.soal.policies.Policies p = PolicyLoader.defaults();
        dev.soal.policies.Policies shorter = new dev.soal.policies.Policies(new dev.soal.policies.Policies.LambdaPolicy(
                p.lambda().maxInputBytes(), p.lambda().memory(), 120, p.lambda().spillOver()), p.clusterOrder(), p.rules(),
                p.allowlists(), p.emrServerless(), p.glue(), p.fallback(), p.triggers(), p.tables(), p.streams());
        assertThat(AwsRouter.lambdaConfig(AwsRouterConfig.fromEnvironment(env), shorter).functionTimeout())
                .isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void metrics_printLocally() {
        SimpleMeterRegistry local = new SimpleMeterRegistry();
        local.counter("soal.jobs.finished", "backend", "lambda", "state", "SUCCEEDED").increment();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SoalMetrics.print(local, new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("soal.jobs.finished{backend=lambda,state=SUCCEEDED} 1");
    }
}
