package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.Json;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.examples.ListingsGenerator;
import dev.soal.router.serve.LocalServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code soal serve}: an upload into the watched prefix runs a job to SUCCEEDED; the API answers over HTTP. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ServeIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(LocalServer server, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void uploadIntoTheWatchedPrefix_ofAKeyWithQuotesAndParentheses_runsAJobToSucceeded() throws Exception {
        Path home = Files.createTempDirectory("soal-serve-it");
        Policies policies = PolicyLoader.load(Path.of(getClass().getResource("/it-policies.yaml").toURI()));
        List<String> printed = new CopyOnWriteArrayList<>();
        try (EmbeddedStack stack = EmbeddedStack.start(home, RuntimeArtifacts.inCheckout(ROOT), policies, line -> {
            printed.add(line);
            System.out.println(line);
        });
             LocalServer server = LocalServer.start(stack, policies, 0, "it-token", System.out)) {
            assertThat(send(server, "GET", "/jobs", null, null).statusCode()).isEqualTo(401);
            assertThat(send(server, "GET", "/jobs", null, "wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> bad = send(server, "POST", "/jobs", "{\"script\": \"s3://soal-scripts/a.sql\", \"inp", "it-token");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.headers().firstValue("Content-Type")).contains("application/problem+json");

            stack.upload(ROOT.resolve("examples/listings/neighbourhood_stats.sql"), EmbeddedStack.SCRIPTS, "neighbourhood_stats.sql");
            Path csv = home.resolve("drop.csv");
            ListingsGenerator.write(csv, 20 * 1024, 3);
            stack.s3().putObject(r -> r.bucket(EmbeddedStack.DATA).key("incoming/o'brien (2024).csv"), RequestBody.fromFile(csv));

            JsonNode job = null;
            for (int i = 0; i < 600 && job == null; i++) {
                Thread.sleep(500);
                JsonNode page = Json.mapper().readTree(send(server, "GET", "/jobs?state=SUCCEEDED", null, "it-token").body());
                if (page.path("jobs").size() > 0) {
                    job = page.path("jobs").get(0);
                }
                JsonNode failed = Json.mapper().readTree(send(server, "GET", "/jobs?state=FAILED", null, "it-token").body());
                assertThat(failed.path("jobs")).as("no job failed: " + failed).isEmpty();
            }
            assertThat(job).as("a job reached SUCCEEDED").isNotNull();
            assertThat(job.path("inputs").get(0).asText()).isEqualTo("s3://soal-data/incoming/o'brien (2024).csv");
            assertThat(job.path("tags").path("trigger").asText()).isEqualTo("listings-drop");
            assertThat(job.path("backend").asText()).isEqualTo("lambda");

            // the same object again (S3 delivers at least once): no second job
            HttpResponse<String> one = send(server, "GET", "/jobs/" + job.path("jobId").asText(), null, "it-token");
            assertThat(one.statusCode()).isEqualTo(200);
            assertThat(Json.mapper().readTree(send(server, "GET", "/jobs", null, "it-token").body()).path("jobs")).hasSize(1);
            JsonNode first = Json.mapper().readTree(one.body());
            assertThat(first.path("coldStart").asBoolean()).as(first.toString()).isTrue();

            // a second job, posted: it runs warm, in the environment the first one started
            HttpResponse<String> posted = send(server, "POST", "/jobs", "{\"script\": \"s3://soal-scripts/neighbourhood_stats.sql\","
                    + " \"inputs\": [\"s3://soal-data/incoming/o'brien (2024).csv\"]}", "it-token");
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
            String second = Json.mapper().readTree(posted.body()).path("jobId").asText();
            JsonNode warm = null;
            for (int i = 0; i < 600 && warm == null; i++) {
                Thread.sleep(250);
                JsonNode j = Json.mapper().readTree(send(server, "GET", "/jobs/" + second, null, "it-token").body());
                if (j.path("state").asText().equals("SUCCEEDED") || j.path("state").asText().equals("FAILED")) {
                    warm = j;
                }
            }
            assertThat(warm).as("the second job ended").isNotNull();
            assertThat(warm.path("state").asText()).as(warm.toString()).isEqualTo("SUCCEEDED");
            assertThat(warm.path("coldStart").asBoolean(true)).as(warm.toString()).isFalse();
            assertThat(warm.path("environmentId").asText()).isEqualTo(first.path("environmentId").asText()).isNotBlank();
            // what the person at the terminal sees: the environments' own lines, no metrics for CloudWatch, no
            // warning about a setting that is as it should be
            assertThat(printed).anyMatch(l -> l.contains(" INIT done in "));
            assertThat(printed).noneMatch(l -> l.contains("{\"_aws\":"));
            try (var files = Files.walk(home.resolve("work").resolve("lambda"))) {
                assertThat(files.filter(f -> f.getFileName().toString().equals("environment.log")).map(f -> {
                    try {
                        return Files.readString(f);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).toList()).as("the metrics lines, kept where CloudWatch Logs would have them").anyMatch(l -> l.contains("{\"_aws\":"));
            }
            assertThat(printed).noneMatch(l -> l.contains("spark.local.dir will be overridden"));
            assertThat(printed).noneMatch(l -> l.contains("INIT took longer"));
            System.out.println("first job " + first.path("durationMillis") + " ms (cold), second " + warm.path("durationMillis")
                    + " ms (warm) in " + warm.path("environmentId").asText());
        }
    }
}
