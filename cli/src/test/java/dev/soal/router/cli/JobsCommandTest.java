package dev.soal.router.cli;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code soal jobs} at the wire: WireMock as API Gateway (IAM authorization: SigV4 for {@code execute-api}, checked by
 * computing the signature again from what arrived), as CloudFormation (the stack's outputs) and as {@code soal serve}
 * (a bearer token); the API's problems become messages and exit statuses.
 */
class JobsCommandTest {
    private static final Pattern SIGV4 = Pattern.compile("AWS4-HMAC-SHA256 Credential=AKIDSOAL/(\\d{8})/eu-west-1/execute-api/aws4_request, "
            + "SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})");
    private static final String JOB = """
            {"jobId":"20261207-063057-75bdff4f","state":"SUCCEEDED","nativeState":"SUCCEEDED","message":"ran 3 statement(s)",
             "backend":"lambda","lambdaMemoryMb":2048,"reasons":["input 1.2 MB <= lambda.maxInputBytes 400 MB -> lambda",
             "lambda memory 2048 MB (tier up to 64 MB)"],"inputBytes":1258291,"inputObjects":1,"script":"s3://soal-scripts/stats.sql",
             "inputs":["s3://soal-data/listings.csv"],"output":"s3://soal-output/jobs/20261207-063057-75bdff4f/",
             "createdAt":"2026-12-07T06:30:57.120Z","updatedAt":"2026-12-07T06:31:03.400Z","durationMillis":4986,
             "cost":{"usd":0.000166,"basis":"10.0 GB-s x $0.0000166667"},"history":[{"state":"QUEUED","at":"2026-12-07T06:30:57.120Z",
             "message":"decided: lambda"},{"state":"RUNNING","at":"2026-12-07T06:30:58.000Z"},{"state":"SUCCEEDED",
             "at":"2026-12-07T06:31:03.400Z","message":"ran 3 statement(s)"}],"coldStart":false,"environmentId":"env-1"}""";

    private WireMockServer wire;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void start() {
        wire = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wire.start();
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setProperty("aws.accessKeyId", "AKIDSOAL");
        System.setProperty("aws.secretAccessKey", "secret-key-of-the-test");
        System.setProperty("aws.region", "eu-west-1");
    }

    @AfterEach
    void stop() {
        System.setOut(oldOut);
        System.setErr(oldErr);
        for (String p : List.of("aws.accessKeyId", "aws.secretAccessKey", "aws.region", "aws.endpointUrl")) {
            System.clearProperty(p);
        }
        wire.stop();
    }

    private int jobs(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "jobs";
        System.arraycopy(args, 0, all, 1, args.length);
        return new CommandLine(new SoalCli()).execute(all);
    }

    private String api() {
        return wire.baseUrl() + "/prod/";
    }

    @Test
    void againstTheDeployedApi_eachRequestIsSignedWithSigV4ForExecuteApi_asItWasSent() throws Exception {
        wire.stubFor(get(urlPathEqualTo("/prod/jobs")).withHeader("Authorization", matching(SIGV4.pattern()))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"jobs\":[" + JOB + "],\"nextToken\":\"tok-2\"}")));
        wire.stubFor(post(urlPathEqualTo("/prod/jobs")).withHeader("Authorization", matching(SIGV4.pattern()))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json").withBody(
                        "{\"jobId\":\"20261207-070000-00000001\",\"state\":\"QUEUED\",\"existing\":false,\"backend\":\"glue\","
                                + "\"reasons\":[\"input 2 GB > lambda.maxInputBytes 400 MB -> emr-serverless\"],\"output\":\"s3://soal-output/jobs/x/\"}")));

        assertThat(jobs("list", "--api", api(), "--sigv4", "--state", "succeeded", "--limit", "5")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("JOB  ").contains("20261207-063057-75bdff4f  SUCCEEDED  lambda 2048 MB  2026-12-07 06:30:57  5 s ")
                .contains("$0.0002").contains("more: --next-token tok-2");
        assertThat(jobs("submit", "--api", api(), "--sigv4", "--script", "s3://soal-scripts/big.sql", "--input", "s3://soal-data/big/",
                "--deadline", "20m", "--tag", "team=data")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("job 20261207-070000-00000001: QUEUED on glue");

        List<LoggedRequest> sent = wire.findAll(anyRequestedFor(urlPathEqualTo("/prod/jobs")));
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).getUrl()).isEqualTo("/prod/jobs?state=SUCCEEDED&limit=5");
        assertThat(sent.get(1).getBodyAsString()).contains("\"script\":\"s3://soal-scripts/big.sql\"")
                .contains("\"deadline\":\"20m\"").contains("\"tags\":{\"team\":\"data\"}");
        for (LoggedRequest r : sent) {
            assertSignedAsSent(r);
        }
    }

    /** The signature API Gateway computes from the request as it arrived: the signed headers sent, the same signature. */
    private void assertSignedAsSent(LoggedRequest r) {
        Matcher m = SIGV4.matcher(r.getHeader("Authorization"));
        assertThat(m.matches()).isTrue();
        List<String> signed = List.of(m.group(2).split(";"));
        assertThat(signed).contains("host", "x-amz-date");
        String amzDate = r.getHeader("X-Amz-Date");
        assertThat(amzDate).startsWith(m.group(1));
        SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(r.getMethod().getName()))
                .uri(URI.create(r.getAbsoluteUrl()));
        for (String h : signed) {
            if (!h.equals("host") && !h.equals("x-amz-date")) {
                assertThat(r.containsHeader(h)).as("signed header " + h + " was sent").isTrue();
                b.putHeader(h, r.getHeader(h));
            }
        }
        java.time.Instant at = java.time.Instant.from(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX").parse(amzDate));
        String again = AwsV4HttpSigner.create().sign(s -> s.identity(AwsBasicCredentials.create("AKIDSOAL", "secret-key-of-the-test"))
                        .request(b.build()).payload(software.amazon.awssdk.http.ContentStreamProvider.fromByteArray(r.getBody()))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api").putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElseThrow();
        assertThat(r.getHeader("Authorization")).isEqualTo(again);
    }

    @Test
    void byStackName_theApiIsTheStacksJobsApiUrlOutput_fromCloudFormation() {
        System.setProperty("aws.endpointUrl", wire.baseUrl());
        wire.stubFor(post(urlPathEqualTo("/")).withRequestBody(containing("Action=DescribeStacks")).withRequestBody(containing("StackName=SoAL"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody("""
                        <DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
                          <DescribeStacksResult><Stacks><member>
                            <StackName>SoAL</StackName>
                            <StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/SoAL/6e1b5a10-d3a1-11ef-9c4b-0a1b2c3d4e5f</StackId>
                            <CreationTime>2026-12-01T10:00:00.000Z</CreationTime>
                            <StackStatus>CREATE_COMPLETE</StackStatus>
                            <Outputs>
                              <member><OutputKey>JobStore</OutputKey><OutputValue>s3://soal-jobs/</OutputValue></member>
                              <member><OutputKey>JobsApiUrl</OutputKey><OutputValue>%s</OutputValue><Description>POST {url}jobs</Description></member>
                            </Outputs>
                          </member></Stacks></DescribeStacksResult>
                          <ResponseMetadata><RequestId>5ccc7dcd-744c-11e5-be70-1b08c228efb3</RequestId></ResponseMetadata>
                        </DescribeStacksResponse>""".formatted(api()))));
        wire.stubFor(post(urlPathEqualTo("/")).withRequestBody(containing("StackName=Nope"))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "text/xml").withBody("""
                        <ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
                          <Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id Nope does not exist</Message></Error>
                          <RequestId>5ccc7dcd-744c-11e5-be70-1b08c228efb4</RequestId>
                        </ErrorResponse>""")));
        wire.stubFor(get(urlPathEqualTo("/prod/jobs/20261207-063057-75bdff4f")).withHeader("Authorization", matching(SIGV4.pattern()))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(JOB)));

        assertThat(jobs("show", "20261207-063057-75bdff4f", "--stack", "SoAL")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("state        SUCCEEDED (SUCCEEDED): ran 3 statement(s)")
                .contains("backend      lambda 2048 MB").contains("environment  env-1, warm")
                .contains("  - input 1.2 MB <= lambda.maxInputBytes 400 MB -> lambda")
                .contains("2026-12-07 06:30:57  QUEUED     decided: lambda");
        assertSignedAsSent(wire.findAll(anyRequestedFor(urlPathEqualTo("/prod/jobs/20261207-063057-75bdff4f"))).get(0));

        assertThat(jobs("show", "20261207-063057-75bdff4f", "--stack", "Nope")).isEqualTo(2);
        assertThat(err.toString()).contains("soal jobs show: stack 'Nope' in eu-west-1: Stack with id Nope does not exist");
    }

    @Test
    void showFollow_printsEachChangeAsItHappens_untilTheJobEnds_andExitsWithItsOutcome() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode r = (com.fasterxml.jackson.databind.node.ObjectNode) dev.soal.core.Json.mapper().readTree(JOB);
        r.put("state", "RUNNING").put("nativeState", "RUNNING");
        ((com.fasterxml.jackson.databind.node.ArrayNode) r.path("history")).remove(2);
        String running = r.toString();
        // the runtime's progress, as it reports it: the running statement, then its stage's tasks
        r.set("progress", dev.soal.core.Json.mapper().readTree("{\"statement\":2,\"statements\":3,\"text\":\"SELECT count(*) FROM t\","
                + "\"stagesRunning\":1,\"tasksDone\":3,\"tasksTotal\":8,\"at\":\"2026-12-07T06:31:01Z\"}"));
        String progressed = r.toString();
        com.fasterxml.jackson.databind.node.ObjectNode f = (com.fasterxml.jackson.databind.node.ObjectNode) dev.soal.core.Json.mapper().readTree(JOB);
        f.put("state", "FAILED").put("nativeState", "FAILED");
        ((com.fasterxml.jackson.databind.node.ObjectNode) f.path("history").get(2)).put("state", "FAILED");
        String failed = f.toString();
        String path = "/jobs/20261207-063057-75bdff4f";
        wire.stubFor(get(urlPathEqualTo(path)).inScenario("run").whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(running)).willSetStateTo("1"));
        wire.stubFor(get(urlPathEqualTo(path)).inScenario("run").whenScenarioStateIs("1")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(progressed)).willSetStateTo("2"));
        wire.stubFor(get(urlPathEqualTo(path)).inScenario("run").whenScenarioStateIs("2")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(progressed)).willSetStateTo("3"));
        wire.stubFor(get(urlPathEqualTo(path)).inScenario("run").whenScenarioStateIs("3")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(JOB)));

        assertThat(jobs("show", "20261207-063057-75bdff4f", "--follow", "--interval", "0.05", "--api", wire.baseUrl(), "--token", "t")).isZero();
        assertThat(out.toString()).contains("state        RUNNING").endsWith("2026-12-07 06:31:03  SUCCEEDED  ran 3 statement(s)\n");
        assertThat(out.toString().split("SUCCEEDED  ran 3", -1)).hasSize(2);
        // once, though it was seen twice; not after the end
        assertThat(out.toString().split("2026-12-07 06:31:01  RUNNING  statement 2/3 \\(SELECT count\\(\\*\\) FROM t\\): 3/8 tasks in 1 stage\n", -1))
                .hasSize(2);

        wire.resetAll();
        wire.stubFor(get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(failed)));
        assertThat(jobs("show", "20261207-063057-75bdff4f", "--follow", "--api", wire.baseUrl(), "--token", "t")).isEqualTo(3);
    }

    @Test
    void againstSoalServe_theBearerToken_andTheApisProblems_asMessagesAndExitStatuses() {
        wire.stubFor(delete(urlPathEqualTo("/jobs/20261207-063057-75bdff4f")).withHeader("Authorization", equalTo("Bearer t0ken"))
                .willReturn(aResponse().withStatus(409).withHeader("Content-Type", "application/problem+json").withBody(
                        "{\"type\":\"https://soal.dev/problems/conflict\",\"title\":\"Conflict\",\"status\":409,"
                                + "\"detail\":\"job 20261207-063057-75bdff4f is SUCCEEDED; there is nothing to cancel\"}")));
        wire.stubFor(get(urlPathEqualTo("/jobs/20261207-063057-75bdff4f")).withHeader("Authorization", equalTo("Bearer t0ken"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(JOB)));

        wire.stubFor(delete(urlPathEqualTo("/jobs/20261207-070000-00000002")).withHeader("Authorization", equalTo("Bearer t0ken"))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json").withBody(
                        "{\"jobId\":\"20261207-070000-00000002\",\"state\":\"CANCELLING\",\"message\":\"cancel requested\"}")));
        assertThat(jobs("cancel", "20261207-070000-00000002", "--api", wire.baseUrl(), "--token", "t0ken")).isZero();
        assertThat(out.toString()).contains("job 20261207-070000-00000002: CANCELLING - cancel requested");
        assertThat(jobs("cancel", "20261207-063057-75bdff4f", "--api", wire.baseUrl(), "--token", "t0ken")).isEqualTo(1);
        assertThat(err.toString()).contains("409 job 20261207-063057-75bdff4f is SUCCEEDED; there is nothing to cancel");
        assertThat(jobs("show", "20261207-063057-75bdff4f", "--api", wire.baseUrl(), "--token", "t0ken", "--json")).isZero();
        assertThat(out.toString()).contains("\"jobId\":\"20261207-063057-75bdff4f\"").contains("\"durationMillis\":4986");

        // usage errors exit 2 and ask nothing
        int before = wire.getAllServeEvents().size();
        assertThat(jobs("show", "20261207-063057-75bdff4f", "--api", wire.baseUrl())).isEqualTo(2);
        assertThat(err.toString()).contains("say how to sign in: --token T or $SOAL_TOKEN for soal serve");
        assertThat(jobs("show", "../etc", "--api", wire.baseUrl(), "--token", "t0ken")).isEqualTo(2);
        assertThat(err.toString()).contains("a job id is 1 to 128 letters, digits");
        // soal serve's token is never sent to a deployed API
        assertThat(jobs("list", "--stack", "SoAL", "--token", "t0ken")).isEqualTo(2);
        assertThat(err.toString()).contains("--token is soal serve's; a deployed API (--stack, an API Gateway URL, --sigv4)");
        assertThat(jobs("list", "--api", "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/", "--token", "t0ken")).isEqualTo(2);
        assertThat(jobs("list")).isEqualTo(2);
        assertThat(err.toString()).contains("name the jobs API with --api URL or --stack NAME");
        assertThat(jobs("submit", "--api", wire.baseUrl(), "--token", "t0ken", "--script", "s3://s/a.sql", "--deadline", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("--deadline: ");
        assertThat(wire.getAllServeEvents()).hasSize(before);
        // nobody there
        assertThat(jobs("list", "--api", "http://127.0.0.1:1/", "--token", "t0ken")).isEqualTo(1);
        assertThat(err.toString()).contains("GET http://127.0.0.1:1/jobs: no answer");
    }
}
