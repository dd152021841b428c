package dev.soal.router.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.soal.adapters.aws.AwsClients;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.core.Backend;
import dev.soal.core.Cost;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.Lease;
import dev.soal.core.Measurement;
import dev.soal.core.ResourceExhaustion;
import dev.soal.core.RoutingDecision;
import dev.soal.core.RuntimeEnvironment;
import dev.soal.core.SpilledAttempt;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.logs.JobLogs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deployed router's job logs: Lambda's and Glue's from a WireMock CloudWatch Logs (FilterLogEvents, shaped as the
 * service answers), EMR Serverless's driver files from its log URI on a real S3 server.
 */
class AwsJobLogsTest {
    private static WireMockServer wire;
    private static EmbeddedS3 s3Server;
    private static S3Client s3;
    private JobLogs logs;

    @BeforeAll
    static void start() throws Exception {
        wire = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wire.start();
        s3Server = EmbeddedS3.start(Files.createTempDirectory("soal-aws-logs"));
        s3 = S3Clients.create(s3Server.settings());
        s3.createBucket(r -> r.bucket("soal-output"));
    }

    @AfterAll
    static void stop() {
        s3.close();
        s3Server.close();
        wire.stop();
    }

    @BeforeEach
    void setUp() {
        wire.resetAll();
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "eu-west-1");
        env.put("SOAL_JOB_STORE", "s3://soal-jobs/");
        env.put("SOAL_OUTPUT_BASE", "s3://soal-output/jobs/");
        env.put("SOAL_RUNTIME_FUNCTION", "soal-runtime-{memoryMb}");
        env.put("SOAL_RUNNER_JAR_URI", "s3://soal-artifacts/soal-runner.jar");
        env.put("SOAL_EMR_APPLICATION_ID", "00fapp");
        env.put("SOAL_EMR_EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/soal-emr");
        env.put("SOAL_EMR_LOG_URI", "s3://soal-output/soal-logs/emr-serverless/");
        env.put("SOAL_GLUE_JOB_NAME", "soal-runner");
        env.put("SOAL_METRICS", "none");
        AwsRouterConfig config = AwsRouterConfig.fromEnvironment(env);
        AwsClients clients = new AwsClients(Region.of(config.region()), URI.create(wire.baseUrl()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "s")), Duration.ofSeconds(5));
        logs = AwsRouter.logs(config, PolicyLoader.defaults(), clients, s3);
    }

    private static MappingBuilder filter(String logGroup) {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("Logs_20140328.FilterLogEvents"))
                .withRequestBody(containing("\"logGroupName\":\"" + logGroup + "\""));
    }

    private static ResponseDefinitionBuilder events(String... streamAndMessage) {
        StringBuilder b = new StringBuilder("{\"events\":[");
        for (int i = 0; i < streamAndMessage.length; i += 2) {
            b.append(i == 0 ? "" : ",").append("{\"logStreamName\":").append(Json.write(streamAndMessage[i]))
                    .append(",\"timestamp\":").append(1_764_000_000_000L + i).append(",\"message\":")
                    .append(Json.write(streamAndMessage[i + 1])).append(",\"ingestionTime\":1764000000100,\"eventId\":\"e")
                    .append(i).append("\"}");
        }
        return aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody(b.append("],\"searchedLogStreams\":[]}").toString());
    }

    private static JobRecord job(Backend backend, int memoryMb) {
        Instant at = Instant.parse("2026-12-07T10:00:00Z");
        JobRequest req = new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/in/"), null, null, null, null, null);
        return JobRecord.queued(JobIds.next(at), req, new Measurement(1L << 20, 1, 5),
                new RoutingDecision(backend, memoryMb, List.of("test")), at);
    }

    private static final String STREAM = "2026/12/07/[$LATEST]0123456789abcdef0123456789abcdef";

    @Test
    void aLambdaAttempt_isItsInvocationInItsTiersLogGroupAndStream() throws Exception {
        JobRecord job = job(Backend.LAMBDA, 4096).toBuilder().state(JobState.SUCCEEDED)
                .updatedAt(Instant.parse("2026-12-07T10:01:00Z"))
                .attempt(new Lease("req-b/n1", Instant.parse("2026-12-07T10:16:00Z")))
                .environment(new RuntimeEnvironment(STREAM, false)).build();
        wire.stubFor(filter("/aws/lambda/soal-runtime-4096").willReturn(events(
                STREAM, "START RequestId: req-a Version: $LATEST\n", STREAM, "another job\n", STREAM, "END RequestId: req-a\n",
                STREAM, "START RequestId: req-b Version: $LATEST\n", STREAM, "statement 1 of 2\nstatement 2 of 2\n",
                STREAM, "END RequestId: req-b\n", STREAM, "REPORT RequestId: req-b\tDuration: 2.00 ms\n")));

        List<JobLogs.Excerpt> read = logs.read(job, 100);

        assertThat(read).hasSize(1);
        assertThat(read.get(0).lines()).containsExactly("START RequestId: req-b Version: $LATEST", "statement 1 of 2",
                "statement 2 of 2", "END RequestId: req-b");
        assertThat(read.get(0).where()).contains("/aws/lambda/soal-runtime-4096").contains(STREAM).contains("req-b");
        JsonNode body = Json.mapper().readTree(wire.findAll(postRequestedFor(urlEqualTo("/"))).get(0).getBodyAsString());
        assertThat(body.path("logStreamNames").get(0).asText()).isEqualTo(STREAM);
        // from before the job was made to after it ended, with room for late events and other clocks
        assertThat(body.path("startTime").asLong()).isEqualTo(Instant.parse("2026-12-07T09:58:00Z").toEpochMilli());
        assertThat(body.path("endTime").asLong()).isEqualTo(Instant.parse("2026-12-07T10:03:00Z").toEpochMilli());
        assertThat(wire.findAll(postRequestedFor(urlEqualTo("/"))).get(0).getHeader("Authorization"))
                .contains("/eu-west-1/logs/aws4_request");
    }

    @Test
    void aGlueRun_showsItsDriversStreamsOfBothLogGroups() {
        JobRecord job = job(Backend.GLUE, 0).toBuilder().state(JobState.RUNNING).backendHandle("jr_0abc").build();
        wire.stubFor(filter("/aws-glue/jobs/output").willReturn(events("jr_0abc-driver", "rows: 12\n",
                "jr_0abc-1", "an executor's line\n")));
        wire.stubFor(filter("/aws-glue/jobs/error").willReturn(events("jr_0abc", "INFO SparkContext: Running Spark version 3.5.4\n")));

        List<JobLogs.Excerpt> read = logs.read(job, 100);

        assertThat(read.get(0).lines()).containsExactly("== /aws-glue/jobs/output ==", "rows: 12",
                "== /aws-glue/jobs/error ==", "INFO SparkContext: Running Spark version 3.5.4");
        assertThat(read.get(0).where()).contains("jr_0abc");
        // a run that still goes on is read to now
        assertThat(wire.findAll(postRequestedFor(urlEqualTo("/"))).get(0).getBodyAsString()).doesNotContain("endTime")
                .contains("\"logStreamNamePrefix\":\"jr_0abc\"");
    }

    @Test
    void anEmrServerlessRun_isItsDriversStdoutAndStderrUnderTheLogUri() throws Exception {
        String folder = "soal-logs/emr-serverless/applications/00fapp/jobs/00frun/SPARK_DRIVER/";
        s3.putObject(r -> r.bucket("soal-output").key(folder + "stdout.gz"), RequestBody.fromBytes(gzip("rows: 7\n")));
        s3.putObject(r -> r.bucket("soal-output").key(folder + "stderr.gz"),
                RequestBody.fromBytes(gzip("INFO SparkContext: Running Spark\nERROR the statement failed\n")));
        JobRecord job = job(Backend.EMR_SERVERLESS, 0).toBuilder().state(JobState.FAILED).backendHandle("00frun").build();

        List<JobLogs.Excerpt> read = logs.read(job, 100);

        assertThat(read.get(0).lines()).containsExactly("== stdout ==", "rows: 7", "== stderr ==",
                "INFO SparkContext: Running Spark", "ERROR the statement failed");
        assertThat(read.get(0).where()).contains("s3://soal-output/" + folder);
        // none yet: not an error
        JobRecord other = job.toBuilder().backendHandle("00fother").build();
        assertThat(logs.read(other, 10).get(0).note()).contains("no log lines found");
    }

    @Test
    void aSpilledJob_showsBothAttempts_andOneOutOfReachLeavesTheOtherReadable() throws Exception {
        String folder = "soal-logs/emr-serverless/applications/00fapp/jobs/00fspill/SPARK_DRIVER/";
        s3.putObject(r -> r.bucket("soal-output").key(folder + "stderr.gz"), RequestBody.fromBytes(gzip("the cluster's run\n")));
        JobRecord job = job(Backend.EMR_SERVERLESS, 0).toBuilder().backendHandle("00fspill").state(JobState.RUNNING)
                .spilledFrom(new SpilledAttempt(Backend.LAMBDA, 2048, "req-s/n", new RuntimeEnvironment(STREAM, true),
                        ResourceExhaustion.Kind.MEMORY, "Java heap space", 1000, new Cost(0.001, "test"),
                        Instant.parse("2026-12-07T10:00:30Z"))).build();
        wire.stubFor(filter("/aws/lambda/soal-runtime-2048").willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}")));

        List<JobLogs.Excerpt> read = logs.read(job, 100);

        assertThat(read).extracting(JobLogs.Excerpt::backend).containsExactly("lambda", "emr-serverless");
        assertThat(read.get(0).note()).contains("could not be read").contains("ThrottlingException");
        assertThat(read.get(1).lines()).containsExactly("== stderr ==", "the cluster's run");
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
