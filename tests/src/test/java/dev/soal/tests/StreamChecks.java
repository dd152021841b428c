package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.router.serve.ServeProcess;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the end-to-end stream tests share: a stream {@code checked} whose script upserts readings ({@code {"id": n}})
 * into an Iceberg table and refuses anything else, a job that reads the table back, and waits on {@code soal serve}'s
 * jobs and the on-failure destination.
 */
final class StreamChecks {
    static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private StreamChecks() {
    }

    /** Policies with one stream, {@code checked}: {@code source} is its source's lines (kinesis: or kafka:). */
    static Path policies(Path home, String source) throws Exception {
        return Files.writeString(home.resolve("policies.yaml"), """
                version: 1
                lambda:
                  memory:
                    - { upTo: 400MB, memoryMb: 2048 }
                clusters:
                  order: [standalone]
                allowlists:
                  scriptBuckets: [soal-scripts]
                  inputBuckets: [soal-data]
                  outputBuckets: [soal-output]
                tables:
                  warehouse: s3://soal-data/warehouse/
                streams:
                  - name: checked
                """ + source.indent(4) + """
                    script: s3://soal-scripts/checked.sql
                    memoryMb: 2048
                    batchSize: 10
                    batchingWindowSeconds: 3
                    maximumRetries: 3
                    bisectOnError: true
                """);
    }

    /** {@code soal serve}'s arguments for these policies: the stream's script and the table's reading job. */
    static List<String> serveArgs(Path home, Path policies) throws Exception {
        Path script = Files.writeString(home.resolve("checked.sql"), """
                CREATE NAMESPACE IF NOT EXISTS soal.e2e;
                CREATE TABLE IF NOT EXISTS soal.e2e.checked (id INT, position STRING) USING iceberg;
                INSERT INTO soal.e2e.checked SELECT CAST(get_json_object(data, '$.id') AS INT), position FROM records
                WHERE assert_true(get_json_object(data, '$.id') IS NOT NULL, 'not a reading') IS NULL;
                """);
        Path count = Files.writeString(home.resolve("count.sql"), """
                INSERT OVERWRITE DIRECTORY '${output}' USING csv
                SELECT count(*), count(DISTINCT id), sum(id) FROM soal.e2e.checked;
                """);
        return List.of("--policy", policies.toString(), "--script", script.toString(), "--script", count.toString(),
                "--input", ROOT.resolve("examples/listings/listings-sample.csv").toString());
    }

    /** Ten readings, 0 to 9, with record 7 not one. */
    static List<String> tenWithAPoisonAt7() {
        return java.util.stream.IntStream.range(0, 10).mapToObj(i -> i == 7 ? "not a reading" : "{\"id\":" + i + "}").toList();
    }

    /** The stream's jobs in {@code state}. */
    static long count(JsonNode page, String state) {
        long n = 0;
        for (JsonNode j : page.path("jobs")) {
            if (j.path("state").asText().equals(state) && j.path("tags").path("stream").asText().equals("checked")) {
                n++;
            }
        }
        return n;
    }

    /** The first page of jobs once {@code done} holds for it; fails after six minutes. */
    static JsonNode await(ServeProcess serve, Predicate<JsonNode> done, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        JsonNode page = null;
        while (System.nanoTime() < deadline) {
            page = Json.mapper().readTree(get(serve, "/jobs?limit=50"));
            if (done.test(page)) {
                return page;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(what + " did not happen: " + page + "\n" + serve.output());
    }

    /** The keys under {@code prefix} in the jobs bucket once there is at least one; fails after 30 s. */
    static List<String> awaitObjects(S3Client s3, String prefix, ServeProcess serve) throws InterruptedException {
        for (int i = 0; i < 60; i++) {
            List<String> keys = s3.listObjectsV2(r -> r.bucket("soal-jobs").prefix(prefix)).contents().stream().map(S3Object::key).toList();
            if (!keys.isEmpty()) {
                return keys;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("nothing under s3://soal-jobs/" + prefix + "\n" + serve.output());
    }

    /** The table's rows, distinct ids and their sum, read by a job of its own (its CSV output). */
    static String table(ServeProcess serve, S3Client s3) throws Exception {
        HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create(serve.api() + "/jobs"))
                .header("Authorization", "Bearer " + serve.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"script\":\"s3://soal-scripts/count.sql\","
                        + "\"inputs\":[\"s3://soal-data/inputs/listings-sample.csv\"]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        String id = Json.mapper().readTree(posted.body()).path("jobId").asText();
        JsonNode job = null;
        for (int i = 0; i < 240; i++) {
            job = Json.mapper().readTree(get(serve, "/jobs/" + id));
            if (JobState.valueOf(job.path("state").asText()).isTerminal()) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        dev.soal.core.S3Uri out = dev.soal.core.S3Uri.parse(job.path("output").asText());
        for (S3Object o : s3.listObjectsV2(r -> r.bucket(out.bucket()).prefix(out.key())).contents()) {
            if (o.key().endsWith(".csv")) {
                return s3.getObjectAsBytes(r -> r.bucket(out.bucket()).key(o.key())).asUtf8String().strip();
            }
        }
        throw new AssertionError("the count job wrote no CSV under " + out);
    }

    static String get(ServeProcess serve, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(serve.api() + path)).header("Authorization", "Bearer " + serve.token())
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
