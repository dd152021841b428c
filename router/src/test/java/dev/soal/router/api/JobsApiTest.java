package dev.soal.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.Json;
import dev.soal.core.S3Uri;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.EmbeddedS3Fixture;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.router.RecordingBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The jobs API on API Gateway proxy events, with a real S3 job store; every answer is also checked against openapi.yaml. */
class JobsApiTest {
    private static EmbeddedS3Fixture s3;
    private static InputMeasurer measurer;
    private RecordingBackend lambda;
    private JobsApi api;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3Fixture.forJobs();
        for (String script : List.of("a.sql", "b.sql")) {
            s3.put("soal-scripts", script, "SELECT 1");
        }
        measurer = s3.measurer();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @BeforeEach
    void wire() {
        lambda = new RecordingBackend(Backend.LAMBDA);
        api = new JobsApi(new JobService(new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/api" + System.nanoTime() + "/")),
                measurer, new RoutingPolicy(PolicyLoader.defaults(), Set.of(Backend.LAMBDA)), Map.of(Backend.LAMBDA, lambda),
                S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC()));
    }

    static Map<String, Object> fixture(String name) throws Exception {
        return Json.mapper().readValue(new String(JobsApiTest.class.getResourceAsStream("/events/" + name).readAllBytes(),
                StandardCharsets.UTF_8), Map.class);
    }

    /** Through the API Gateway proxy shape, and checked against the OpenAPI description. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> call(Map<String, Object> event) {
        // the event as the runtime interface client hands it to the function: typed, from the wire JSON
        ApiRequest req = ApiGatewayProxy.request(dev.soal.router.LambdaEvents.read(Json.write(event),
                com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent.class));
        ApiResponse res = api.handle(req);
        OpenApiContract.check(req, res);
        try {
            return Json.mapper().readValue(dev.soal.router.LambdaEvents.write(ApiGatewayProxy.response(res)), Map.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Map<String, Object> call(String method, String path, Map<String, String> query, String body) {
        return call(Map.of("httpMethod", method, "path", path, "queryStringParameters", query == null ? Map.of() : query,
                "headers", Map.of("Content-Type", "application/json"), "body", body == null ? "" : body, "isBase64Encoded", false));
    }

    private static JsonNode body(Map<String, Object> response) throws Exception {
        return Json.mapper().readTree((String) response.get("body"));
    }

    @Test
    void postJobs_fromAnApiGatewayEvent_answers202_withTheDecision_andGetFindsIt() throws Exception {
        Map<String, Object> res = call(fixture("apigw-post-jobs.json"));
        assertThat(res.get("statusCode")).isEqualTo(202);
        JsonNode b = body(res);
        String id = b.path("jobId").asText();
        assertThat(b.path("backend").asText()).isEqualTo("lambda");
        assertThat(b.path("reasons").get(0).asText()).isEqualTo("input 8 B <= lambda.maxInputBytes 400 MB -> lambda");
        assertThat(((Map<?, ?>) res.get("headers")).get("Location")).isEqualTo("/jobs/" + id);

        Map<String, Object> again = call(fixture("apigw-post-jobs.json"));
        assertThat(body(again).path("jobId").asText()).isEqualTo(id);
        assertThat(body(again).path("existing").asBoolean()).isTrue();
        assertThat(lambda.submitted).hasSize(1);

        Map<String, Object> get = fixture("apigw-get-job.json");
        get.put("path", "/jobs/" + id);
        get.put("pathParameters", Map.of("id", id));
        Map<String, Object> status = call(get);
        assertThat(status.get("statusCode")).isEqualTo(200);
        assertThat(body(status).path("state").asText()).isEqualTo("QUEUED");
        assertThat(body(status).path("tags").path("team").asText()).isEqualTo("data");

        // behind a custom domain the path starts with its base path mapping; the route is the resource API Gateway matched
        get.put("path", "/v1/jobs/" + id);
        Map<String, Object> viaDomain = call(get);
        assertThat(viaDomain.get("statusCode")).as(String.valueOf(viaDomain.get("body"))).isEqualTo(200);
        assertThat(body(viaDomain).path("jobId").asText()).isEqualTo(id);
        Map<String, Object> list = fixture("apigw-post-jobs.json");
        list.put("httpMethod", "GET");
        list.put("path", "/v1/jobs");
        list.remove("body");
        assertThat(call(list).get("statusCode")).isEqualTo(200);
    }

    @Test
    void aJobThatSpilledOver_showsItsLambdaAttempt_andALambdaJobWhereItWouldGo() throws Exception {
        S3JobStore store = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/api-spill" + System.nanoTime() + "/"));
        RecordingBackend standalone = new RecordingBackend(Backend.STANDALONE);
        JobService jobs = new JobService(store, measurer, new RoutingPolicy(PolicyLoader.defaults(),
                Set.of(Backend.LAMBDA, Backend.STANDALONE)), Map.of(Backend.LAMBDA, lambda, Backend.STANDALONE, standalone),
                S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC());
        api = new JobsApi(jobs);
        Map<String, Object> res = call(fixture("apigw-post-jobs.json"));
        String id = body(res).path("jobId").asText();
        Map<String, Object> get = fixture("apigw-get-job.json");
        get.put("path", "/jobs/" + id);
        get.put("pathParameters", Map.of("id", id));
        assertThat(body(call(get)).path("spillTo").asText()).isEqualTo("standalone");
        store.update(id, j -> dev.soal.core.RuntimeAttempts.claim(j, "req-1/n", "lambda", java.time.Instant.now(),
                dev.soal.core.RuntimeAttempts.DEFAULT_LEASE));
        jobs.runtimeFailed(id, "req-1", true, "Sandbox.Timedout", "RequestId: req-1 Error: Task timed out after 900.00 seconds");

        JsonNode job = body(call(get));
        assertThat(job.path("backend").asText()).isEqualTo("standalone");
        assertThat(job.has("spillTo")).isFalse();
        assertThat(job.path("spilledOver").path("backend").asText()).isEqualTo("lambda");
        assertThat(job.path("spilledOver").path("ranOut").asText()).isEqualTo("TIME");
        assertThat(job.path("spilledOver").path("memoryMb").asInt()).isEqualTo(2048);
        assertThat(job.path("spilledOver").path("cost").path("usd").isNumber()).isTrue();
    }

    @Test
    void aDeadline_isPredictedAgainst_inADryRunAndInTheJob_andABadOneIsA400() throws Exception {
        String body = "{\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"deadline\":\"20m\"}";
        Map<String, Object> plan = call("POST", "/jobs", Map.of("dryRun", "true"), body);
        assertThat(plan.get("statusCode")).as(String.valueOf(plan.get("body"))).isEqualTo(200);
        JsonNode p = body(plan);
        assertThat(p.path("predictions").get(0).path("backend").asText()).isEqualTo("lambda");
        assertThat(p.path("reasons").get(p.path("reasons").size() - 1).asText())
                .startsWith("deadline 20 m 00 s: predicted lambda 2048 MB ").endsWith("-> the cheapest to meet it is lambda");

        Map<String, Object> posted = call("POST", "/jobs", null, body);
        String id = body(posted).path("jobId").asText();
        Map<String, Object> get = fixture("apigw-get-job.json");
        get.put("path", "/jobs/" + id);
        get.put("pathParameters", Map.of("id", id));
        JsonNode job = body(call(get));
        assertThat(job.path("deadlineSeconds").asLong()).isEqualTo(1200);
        assertThat(job.path("predictions").get(0).path("cost").path("usd").isNumber()).isTrue();

        Map<String, Object> bad = call("POST", "/jobs", null, body.replace("20m", "soon"));
        assertThat(bad.get("statusCode")).isEqualTo(400);
        assertThat(body(bad).path("detail").asText()).isEqualTo("deadline: expected a duration such as 20m, 1h30m or PT20M, but was 'soon'");
        assertThat(lambda.submitted).hasSize(1);
    }

    @Test
    void allowedSparkConf_isAccepted_andKeptWithTheJob() throws Exception {
        Map<String, Object> res = call("POST", "/jobs", null, "{\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":"
                + "[\"s3://soal-data/small.csv\"],\"sparkConf\":{\"spark.sql.shuffle.partitions\":\"7\","
                + "\"spark.sql.adaptive.enabled\":\"false\"}}");
        assertThat(res.get("statusCode")).isEqualTo(202);
        assertThat(lambda.submitted).hasSize(1);
    }

    @Test
    void dryRun_returnsTheDecisionOnly() throws Exception {
        Map<String, Object> res = call("POST", "/jobs", Map.of("dryRun", "true"),
                "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]}");
        assertThat(res.get("statusCode")).isEqualTo(200);
        assertThat(body(res).path("backend").asText()).isEqualTo("lambda");
        assertThat(body(res).path("inputBytes").asLong()).isEqualTo(8);
        assertThat(lambda.submitted).isEmpty();
    }

    @Test
    void aJobsLogs_sayWhereEachAttemptsLinesAre_whenThisRouterCannotReadThem() throws Exception {
        String id = body(call("POST", "/jobs", null, "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]}"))
                .path("jobId").asText();
        Map<String, Object> res = call("GET", "/jobs/" + id + "/logs", Map.of("lines", "50"), null);
        assertThat(res.get("statusCode")).isEqualTo(200);
        JsonNode logs = body(res);
        assertThat(logs.path("jobId").asText()).isEqualTo(id);
        assertThat(logs.path("attempts")).hasSize(1);
        JsonNode a = logs.path("attempts").get(0);
        assertThat(a.path("backend").asText()).isEqualTo("lambda");
        assertThat(a.path("lines")).isEmpty();
        assertThat(a.path("note").asText()).startsWith("this router does not read lambda logs yet; they are in CloudWatch Logs");

        assertThat(call("GET", "/jobs/" + id + "/logs", Map.of("lines", "0"), null).get("statusCode")).isEqualTo(400);
        assertThat(call("GET", "/jobs/" + id + "/logs", Map.of("lines", "many"), null).get("statusCode")).isEqualTo(400);
        assertThat(call("DELETE", "/jobs/" + id + "/logs", null, null).get("statusCode")).isEqualTo(405);
        assertThat(call("GET", "/jobs/no-such-job/logs", null, null).get("statusCode")).isEqualTo(404);
    }

    @Test
    void listAndCancel() throws Exception {
        String id = body(call("POST", "/jobs", null, "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]}"))
                .path("jobId").asText();
        JsonNode page = body(call("GET", "/jobs", Map.of("state", "queued", "limit", "5"), null));
        assertThat(page.path("jobs")).hasSize(1);
        assertThat(page.path("jobs").get(0).path("jobId").asText()).isEqualTo(id);

        Map<String, Object> cancelled = call("DELETE", "/jobs/" + id, null, null);
        assertThat(cancelled.get("statusCode")).isEqualTo(202);
        assertThat(body(cancelled).path("state").asText()).isEqualTo("CANCELLED");
        Map<String, Object> again = call("DELETE", "/jobs/" + id, null, null);
        assertThat(again.get("statusCode")).isEqualTo(409);
        assertThat(body(call("GET", "/jobs", Map.of("state", "QUEUED"), null)).path("jobs")).isEmpty();
    }

    @Test
    void theListFiltersByBackendAndByTriggerOrStream_acrossTheStoresPages() throws Exception {
        String nightly = body(call("POST", "/jobs", null, "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],"
                + "\"tags\":{\"trigger\":\"nightly\"}}")).path("jobId").asText();
        String clicks = body(call("POST", "/jobs", null, "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],"
                + "\"tags\":{\"stream\":\"clicks\"}}")).path("jobId").asText();
        for (int i = 0; i < 3; i++) {
            call("POST", "/jobs", null, "{\"script\":\"s3://soal-scripts/job.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]}");
        }
        // newest first, the three untagged ones before it: the filter reads the pages on until it has its one
        JsonNode page = body(call("GET", "/jobs", Map.of("trigger", "nightly", "limit", "1"), null));
        assertThat(page.path("jobs")).extracting(j -> j.path("jobId").asText()).containsExactly(nightly);
        assertThat(body(call("GET", "/jobs", Map.of("trigger", "clicks"), null)).path("jobs"))
                .extracting(j -> j.path("jobId").asText()).containsExactly(clicks);
        assertThat(body(call("GET", "/jobs", Map.of("backend", "lambda"), null)).path("jobs")).hasSize(5);
        JsonNode none = body(call("GET", "/jobs", Map.of("backend", "glue", "limit", "2"), null));
        assertThat(none.path("jobs")).isEmpty();
        assertThat(none.has("nextToken")).as("all were read").isFalse();
        Map<String, Object> bad = call("GET", "/jobs", Map.of("backend", "spark"), null);
        assertThat(bad.get("statusCode")).isEqualTo(400);
        assertThat(body(bad).path("detail").asText()).contains("unknown backend 'spark'").contains("emr-serverless");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "truncated JSON           | POST   | /jobs        | {\"script\": \"s3://soal-scripts/a.sql\", \"inp | 400 | malformed-json | the body is not valid JSON",
            "not an object            | POST   | /jobs        | [1,2,3]                                        | 400 | invalid-field  | expected a JSON object",
            "empty body               | POST   | /jobs        | ~~                                             | 400 | malformed-json | the request body is empty",
            "unknown field            | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"priority\":1} | 400 | unknown-field | unknown field 'priority'",
            "spark conf not allowed   | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"sparkConf\":{\"spark.driver.extraJavaOptions\":\"-Dx=1\"}} | 403 | not-allowed | spark conf key 'spark.driver.extraJavaOptions' is not in allowlists.sparkConfKeys",
            "spark conf not spark     | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"sparkConf\":{\"java.home\":\"/\"}} | 400 | invalid-job | sparkConf keys must start with 'spark.'",
            "wrong type               | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":\"s3://soal-data/small.csv\"} | 400 | invalid-field | field 'inputs' has the wrong type",
            "wrong argument type      | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"arguments\":{\"n\":[1]}} | 400 | invalid-field | field 'arguments.n' has the wrong type",
            "not an S3 URI            | POST   | /jobs        | {\"script\":\"/etc/passwd.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]} | 400 | invalid-job | not an S3 URI",
            "path traversal           | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/x/../../secret\"]} | 400 | invalid-job | must not contain '.' or '..' segments",
            "no inputs                | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[]} | 400 | invalid-job | inputUris must name at least one",
            "unknown bucket           | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://someone-elses/data.csv\"]} | 403 | not-allowed | not in allowlists.inputBuckets",
            "script outside allowlist | POST   | /jobs        | {\"script\":\"s3://evil-bucket/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]} | 403 | not-allowed | allowlists.scriptBuckets",
            "missing input            | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/nope.csv\"]} | 400 | invalid-job | does not exist",
            "python script            | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.py\",\"inputs\":[\"s3://soal-data/small.csv\"]} | 400 | invalid-job | must end in .sql or .jar",
            "reserved argument        | POST   | /jobs        | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"arguments\":{\"output\":\"x\"}} | 400 | invalid-job | reserved",
            "unknown job              | GET    | /jobs/20260101-000000-deadbeef | ~~                              | 404 | not-found      | no such job",
            "bad job id               | GET    | /jobs/bad%20id!                | ~~                              | 400 | invalid-job-id | job id must be",
            "path traversal in id     | GET    | /jobs/..%2F..%2Fetc            | ~~                              | 404 | not-found      | no resource at /jobs/../../etc",
            "bad state                | GET    | /jobs?state=DONE               | ~~                              | 400 | invalid-parameter | state must be one of",
            "bad limit                | GET    | /jobs?limit=100000             | ~~                              | 400 | invalid-parameter | limit must be a number within 1..100",
            "bad dryRun               | POST   | /jobs?dryRun=maybe             | {\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"]} | 400 | invalid-parameter | dryRun must be true or false",
            "method not allowed       | PUT    | /jobs                          | ~~                              | 405 | method-not-allowed | PUT is not allowed",
            "no such resource         | GET    | /admin                         | ~~                              | 404 | not-found      | no resource at /admin",
    })
    void badInput_getsItsDocumentedError_andSubmitsNothing(String what, String method, String pathAndQuery, String body,
                                                           int status, String type, String detail) throws Exception {
        String path = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        Map<String, String> query = pathAndQuery.contains("?")
                ? Map.of(pathAndQuery.substring(pathAndQuery.indexOf('?') + 1).split("=")[0],
                pathAndQuery.substring(pathAndQuery.indexOf('?') + 1).split("=")[1]) : Map.of();
        Map<String, Object> res = call(method, java.net.URLDecoder.decode(path, StandardCharsets.UTF_8), query,
                body == null ? "" : body);
        assertThat(res.get("statusCode")).as(what + ": " + res.get("body")).isEqualTo(status);
        assertThat(((Map<?, ?>) res.get("headers")).get("Content-Type")).isEqualTo("application/problem+json");
        JsonNode p = body(res);
        assertThat(p.path("type").asText()).isEqualTo("https://soal.dev/problems/" + type);
        assertThat(p.path("status").asInt()).isEqualTo(status);
        assertThat(p.path("detail").asText()).contains(detail);
        assertThat(lambda.submitted).isEmpty();
    }

    @Test
    void hugeBody_is413() throws Exception {
        String huge = "{\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"tags\":{\"x\":\""
                + "y".repeat(JobsApi.MAX_BODY_BYTES) + "\"}}";
        Map<String, Object> res = call("POST", "/jobs", null, huge);
        assertThat(res.get("statusCode")).isEqualTo(413);
        assertThat(lambda.submitted).isEmpty();
    }

    @Test
    void sameKeyForAnotherRequest_is409() throws Exception {
        call("POST", "/jobs", null, "{\"script\":\"s3://soal-scripts/a.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"idempotencyKey\":\"k1\"}");
        Map<String, Object> res = call("POST", "/jobs", null,
                "{\"script\":\"s3://soal-scripts/b.sql\",\"inputs\":[\"s3://soal-data/small.csv\"],\"idempotencyKey\":\"k1\"}");
        assertThat(res.get("statusCode")).isEqualTo(409);
        assertThat(body(res).path("type").asText()).isEqualTo("https://soal.dev/problems/idempotency-conflict");
        assertThat(lambda.submitted).hasSize(1);
    }
}
