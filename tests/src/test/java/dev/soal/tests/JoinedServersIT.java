package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.Json;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.examples.ListingsGenerator;
import dev.soal.router.serve.ServeProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two {@code soal serve} processes on one embedded S3, the second joined with {@code --s3-endpoint}: the jobs the
 * second accepted survive its SIGKILL, because it hands them to the local Lambda service of the first, whose
 * queue outlives it as Lambda's does any router; each ends SUCCEEDED after exactly one run.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class JoinedServersIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final String TOKEN = "it-token";
    private static final int JOBS = 5;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void jobsAcceptedByAJoinedServer_succeedAfterItIsKilled_onceEach() throws Exception {
        Path dir = Files.createTempDirectory("soal-joined-it");
        try (ServeProcess host = ServeProcess.start(ROOT, dir.resolve("host"), TOKEN, List.of());
             ServeProcess joiner = ServeProcess.start(ROOT, dir.resolve("joiner"), TOKEN,
                     List.of("--s3-endpoint", host.s3().toString()));
             S3Client s3 = S3Clients.create(new S3Settings(S3Settings.DEFAULT_REGION, host.s3(), EmbeddedS3.ACCESS_KEY,
                     EmbeddedS3.SECRET_KEY))) {
            assertThat(joiner.s3()).isEqualTo(host.s3());
            s3.putObject(r -> r.bucket("soal-scripts").key("neighbourhood_stats.sql"),
                    RequestBody.fromFile(ROOT.resolve("examples/listings/neighbourhood_stats.sql")));
            Path csv = dir.resolve("listings.csv");
            ListingsGenerator.write(csv, 16 * 1024, 5);
            s3.putObject(r -> r.bucket("soal-data").key("inputs/listings.csv"), RequestBody.fromFile(csv));

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                HttpResponse<String> posted = send(joiner.api(), "POST", "{\"script\":\"s3://soal-scripts/neighbourhood_stats.sql\","
                        + "\"inputs\":[\"s3://soal-data/inputs/listings.csv\"],\"idempotencyKey\":\"joined-" + i + "\"}");
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
                ids.add(Json.mapper().readTree(posted.body()).path("jobId").asText());
            }
            joiner.process().destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(joiner.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            long killed = System.nanoTime();
            // the joiner ran no Lambda service of its own: its invocations went to the host's
            assertThat(dir.resolve("joiner").resolve("work").resolve("lambda")).doesNotExist();

            for (String id : ids) {
                JsonNode job = awaitTerminal(host.api(), id, Duration.ofMinutes(4));
                assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
                assertThat(job.path("backend").asText()).isEqualTo("lambda");
                long runs = 0;
                for (JsonNode h : job.path("history")) {
                    runs += h.path("state").asText().equals("RUNNING") ? 1 : 0;
                }
                assertThat(runs).as("runs of " + id + ": " + job.path("history")).isEqualTo(1);
            }
            System.out.printf("%d jobs accepted by the killed server, all SUCCEEDED %.0f s after the kill%n", JOBS,
                    (System.nanoTime() - killed) / 1e9);
        }
    }

    private JsonNode awaitTerminal(URI api, String id, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            job = Json.mapper().readTree(send(api, "GET", null, id).body());
            String state = job.path("state").asText();
            if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
                return job;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("job " + id + " did not end within " + limit + ": " + job);
    }

    private HttpResponse<String> send(URI api, String method, String body) throws Exception {
        return send(api, method, body, null);
    }

    private HttpResponse<String> send(URI api, String method, String body, String id) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + "/jobs" + (id == null ? "" : "/" + id)))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
