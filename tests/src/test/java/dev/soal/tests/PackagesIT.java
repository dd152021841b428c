package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.core.Json;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.embedded.LambdaSandbox;
import dev.soal.router.embedded.LocalLambdaService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What ships to AWS, checked as built: the router functions' package and the runner jar keep to their size
 * budgets and carry only what they run, and the API, S3 trigger and status functions run from the package's own contents (not
 * this build's classpath) in a Lambda environment of its own, against the embedded S3 and WireMock's Lambda
 * and EMR Serverless control planes.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PackagesIT {
    static final Path ROOT = RuntimeFixture.ROOT;
    static final Path FUNCTIONS = ROOT.resolve("router/target/soal-router-functions.zip");
    static final Path RUNNER = ROOT.resolve("lambda-runtime/target/soal-runner.jar");
    /** The budgets the deployable artifacts keep, in MB as Lambda's quotas count them (2^20 bytes; a zip may be 50). */
    static final long MB = 1L << 20;
    static final long FUNCTIONS_BUDGET = 25 * MB;
    static final long RUNNER_BUDGET = 5 * MB;

    @Test
    void theRouterFunctionsPackage_keepsItsBudget_andCarriesNoCliEmbeddedStackOrSpark() throws IOException {
        long size = Files.size(FUNCTIONS);
        System.out.printf("router functions package: %.1f MB (budget %d MB)%n", size / (double) MB, FUNCTIONS_BUDGET / MB);
        assertThat(size).as("router functions package bytes").isLessThanOrEqualTo(FUNCTIONS_BUDGET);
        List<String> jars = entries(FUNCTIONS).stream().filter(e -> e.endsWith(".jar")).toList();
        assertThat(jars).allMatch(j -> j.startsWith("lib/"), "jars in lib/, where Lambda's Java runtimes look");
        assertThat(jars).anyMatch(j -> j.startsWith("lib/soal-router-"));
        assertThat(jars).noneMatch(j -> j.matches("lib/(soal-cli|soal-embedded-s3|soal-lambda-runtime|s3proxy|jclouds|jetty|picocli|spark|scala|guice|hadoop|netty|hudi|hive|iceberg|delta).*"));
    }

    @Test
    void theRunnerJar_keepsItsBudget_andShadesNoAwsSdkOrBackendClients() throws IOException {
        long size = Files.size(RUNNER);
        System.out.printf("runner jar: %.2f MB (budget %d MB)%n", size / (double) MB, RUNNER_BUDGET / MB);
        assertThat(size).as("runner jar bytes").isLessThanOrEqualTo(RUNNER_BUDGET);
        List<String> classes = entries(RUNNER).stream().filter(e -> e.endsWith(".class")).toList();
        assertThat(classes).anyMatch(c -> c.equals("dev/soal/runtime/SparkLambdaHandler.class"));
        assertThat(classes).anyMatch(c -> c.equals("dev/soal/adapters/s3/S3JobStore.class"));
        assertThat(classes).noneMatch(c -> c.startsWith("software/amazon/awssdk/") || c.startsWith("io/github/resilience4j/")
                || c.startsWith("io/micrometer/") || c.startsWith("dev/soal/adapters/glue/") || c.startsWith("dev/soal/adapters/emr/")
                || c.startsWith("dev/soal/adapters/lambda/") || c.startsWith("org/apache/spark/")
                || c.startsWith("org/apache/hudi/") || c.startsWith("org/apache/hadoop/hive/"));
    }

    @Test
    void theRouterFunctions_runFromThePackagesOwnContents_apiTriggerAndStatus() throws Exception {
        Path home = Files.createTempDirectory("soal-package");
        Path unpacked = unzip(FUNCTIONS, home.resolve("function"));
        WireMockServer wire = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wire.start();
        wire.stubFor(post(urlMatching("/2015-03-31/functions/soal-runtime-[0-9]+/invocations"))
                .willReturn(aResponse().withStatus(202).withHeader("x-amzn-RequestId", "4f6a1d9e-0000-4000-8000-000000000001")));
        // EMR Serverless StartJobRun, answered as the service model shapes it
        wire.stubFor(post(urlMatching("/applications/00fsoalapp/jobruns"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"applicationId\":\"00fsoalapp\",\"jobRunId\":\"00frun0001\","
                                + "\"arn\":\"arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fsoalapp/jobruns/00frun0001\"}")));
        EmbeddedS3 server = EmbeddedS3.start(home.resolve("s3"));
        List<String> logs = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (S3Client s3 = S3Clients.create(server.settings())) {
            for (String b : List.of("soal-jobs", "soal-scripts", "soal-data", "soal-output")) {
                s3.createBucket(r -> r.bucket(b));
            }
            s3.putObject(r -> r.bucket("soal-scripts").key("job.sql"), RequestBody.fromString("SELECT 1"));
            // the default policies' trigger runs this script on what lands under incoming/listings/
            s3.putObject(r -> r.bucket("soal-scripts").key("neighbourhood_stats.sql"), RequestBody.fromString("SELECT 1"));
            s3.putObject(r -> r.bucket("soal-data").key("small.csv"), RequestBody.fromString("a,b\n1,2\n"));
            // the default policies send what is under nightly/ to EMR Serverless, whatever its size
            s3.putObject(r -> r.bucket("soal-data").key("nightly/big.csv"), RequestBody.fromString("a,b\n1,2\n"));

            // what the stack sets on the function; the endpoints are the SDK's own standard settings
            Map<String, String> env = new LinkedHashMap<>(server.settings().toEnvironment());
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ENDPOINT_URL_LAMBDA", wire.baseUrl());
            env.put("AWS_ENDPOINT_URL_EMR_SERVERLESS", wire.baseUrl());
            env.put("SOAL_EMR_APPLICATION_ID", "00fsoalapp");
            env.put("SOAL_EMR_EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/soal-emr");
            env.put("SOAL_RUNNER_JAR_URI", "s3://soal-artifacts/soal-runner.jar");
            env.put("SOAL_JOB_STORE", "s3://soal-jobs/");
            env.put("SOAL_OUTPUT_BASE", "s3://soal-output/jobs/");
            env.put("SOAL_RUNTIME_FUNCTION", "soal-runtime-{memoryMb}");
            env.put("SOAL_METRICS", "emf");
            List<String> classpath = new ArrayList<>();
            Path ric = RuntimeArtifacts.inCheckout(ROOT).ricDir();
            try (Stream<Path> jars = Stream.concat(Files.list(ric), Files.list(unpacked.resolve("lib")))) {
                jars.map(Path::toString).filter(j -> j.endsWith(".jar")).sorted().forEach(classpath::add);
            }
            LocalLambdaService lambda = LocalLambdaService.start(
                    new LocalLambdaService.Runtime(String.join(":", classpath), List.of(), env, () -> { }, List.of(unpacked, ric)),
                    LocalLambdaService.Settings.defaults(), home.resolve("lambda"), LambdaSandbox.detect(), logs::add, logs::add);
            try {
                lambda.register(new LocalLambdaService.Function("soal-api", 1024, Duration.ofSeconds(60),
                        "dev.soal.router.aws.ApiFunction"));

                JsonNode created = call(lambda, event("POST", "/jobs", null, Json.write(Map.of(
                        "script", "s3://soal-scripts/job.sql", "inputs", List.of("s3://soal-data/small.csv")))), logs);
                assertThat(created.path("statusCode").asInt()).as(created.toString()).isEqualTo(202);
                JsonNode job = Json.mapper().readTree(created.path("body").asText());
                String id = job.path("jobId").asText();
                assertThat(id).isNotBlank();
                assertThat(job.path("backend").asText()).as(job.toString()).isEqualTo("lambda");

                JsonNode read = call(lambda, event("GET", "/jobs/" + id, Map.of("id", id), null), logs);
                assertThat(read.path("statusCode").asInt()).as(read.toString()).isEqualTo(200);
                assertThat(Json.mapper().readTree(read.path("body").asText()).path("jobId").asText()).isEqualTo(id);

                assertThat(wire.findAll(postRequestedFor(urlMatching("/2015-03-31/functions/soal-runtime-[0-9]+/invocations"))))
                        .as("the runtime function was invoked through the Lambda API").hasSize(1);
                assertThat(s3.listObjectsV2(r -> r.bucket("soal-jobs")).contents()).anyMatch(o -> o.key().contains(id));

                JsonNode nightly = call(lambda, event("POST", "/jobs", null, Json.write(Map.of(
                        "script", "s3://soal-scripts/job.sql", "inputs", List.of("s3://soal-data/nightly/big.csv")))), logs);
                assertThat(nightly.path("statusCode").asInt()).as(nightly.toString()).isEqualTo(202);
                assertThat(Json.mapper().readTree(nightly.path("body").asText()).path("backend").asText()).isEqualTo("emr-serverless");
                assertThat(wire.findAll(postRequestedFor(urlMatching("/applications/00fsoalapp/jobruns"))))
                        .as("StartJobRun through the EMR Serverless API").singleElement()
                        .satisfies(r -> assertThat(r.getBodyAsString()).contains("s3://soal-artifacts/soal-runner.jar"));

                // the S3 trigger (a stream handler reading S3's JSON with the SDK's event model), from the same package
                lambda.register(new LocalLambdaService.Function("soal-s3-trigger", 1024, Duration.ofSeconds(60),
                        "dev.soal.router.aws.S3TriggerFunction"));
                s3.putObject(r -> r.bucket("soal-data").key("incoming/listings/day 1.csv"), RequestBody.fromString("a,b\n1,2\n"));
                LocalLambdaService.Result dropped = lambda.invoke("soal-s3-trigger", dev.soal.router.triggers.S3EventNotifications
                        .objectCreated("us-east-1", "soal-data", "incoming/listings/day 1.csv", 8, "etag1", "Put"), false)
                        .result().get(2, TimeUnit.MINUTES);
                assertThat(dropped.failed()).as(dropped.payload() + "\n" + String.join("\n", logs)).isFalse();
                JsonNode record = Json.mapper().readTree(dropped.payload()).path("records").path(0);
                assertThat(record.path("object").asText()).isEqualTo("s3://soal-data/incoming/listings/day 1.csv");
                assertThat(record.path("result").asText()).as(record.toString()).isEqualTo("submitted");

                // the status function, with an EventBridge event typed by the runtime client (a Glue run SoAL did not start)
                lambda.register(new LocalLambdaService.Function("soal-status", 1024, Duration.ofSeconds(60),
                        "dev.soal.router.aws.StatusEventFunction"));
                String glueEvent = "{\"version\":\"0\",\"id\":\"a1\",\"detail-type\":\"Glue Job State Change\",\"source\":\"aws.glue\","
                        + "\"account\":\"123456789012\",\"time\":\"2026-11-26T03:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],"
                        + "\"detail\":{\"jobName\":\"other-job\",\"severity\":\"INFO\",\"state\":\"SUCCEEDED\",\"jobRunId\":\"jr_1\",\"message\":\"ok\"}}";
                LocalLambdaService.Result status = lambda.invoke("soal-status", glueEvent, false).result().get(2, TimeUnit.MINUTES);
                assertThat(status.failed()).as(status.payload() + "\n" + String.join("\n", logs)).isFalse();
                assertThat(Json.mapper().readTree(status.payload()).path("outcomes").path(0).path("detail").asText())
                        .isEqualTo("no SoAL job started this run");
            } finally {
                lambda.close();
            }
        } finally {
            server.close();
            wire.stop();
        }
    }

    private static JsonNode call(LocalLambdaService lambda, String payload, List<String> logs) throws Exception {
        LocalLambdaService.Result r = lambda.invoke("soal-api", payload, false).result().get(2, TimeUnit.MINUTES);
        assertThat(r.failed()).as(r.payload() + "\n" + String.join("\n", logs)).isFalse();
        return Json.mapper().readTree(r.payload());
    }

    /** A REST API proxy event as API Gateway sends it, for an IAM-signed caller. */
    private static String event(String method, String path, Map<String, String> pathParameters, String body) {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("resource", pathParameters == null ? "/jobs" : "/jobs/{id}");
        e.put("path", path);
        e.put("httpMethod", method);
        e.putObject("headers").put("Content-Type", "application/json").put("Accept", "application/json");
        e.set("pathParameters", Json.mapper().valueToTree(pathParameters));
        ObjectNode ctx = e.putObject("requestContext");
        ctx.put("httpMethod", method).put("path", "/prod" + path).put("stage", "prod").put("requestId", java.util.UUID.randomUUID().toString());
        ctx.putObject("identity").put("userArn", "arn:aws:iam::123456789012:user/alice").put("sourceIp", "203.0.113.10");
        e.put("body", body);
        e.put("isBase64Encoded", false);
        return e.toString();
    }

    private static List<String> entries(Path zip) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.stream().map(ZipEntry::getName).collect(Collectors.toList());
        }
    }

    private static Path unzip(Path zip, Path dir) throws IOException {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                Path target = dir.resolve(e.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("entry outside the package: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(z, target);
                }
            }
        }
        return dir;
    }
}
