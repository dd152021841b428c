package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.router.serve.ServeProcess;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Kafka stream end to end on the embedded default: {@code soal serve} runs the Kafka broker and the stream's event
 * source mapping; records produced to the topic reach the runtime function through the local Lambda service, each
 * batch a job in {@code GET /jobs}, and land in an Iceberg table exactly once. A poison record fails its batch, which
 * is retried and bisected until the record is alone, and that record ends in the on-failure destination while every
 * other record is committed once.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class KafkaStreamIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void recordsLandOnce_andAPoisonRecordIsBisectedOutToTheFailureDestination() throws Exception {
        Path home = Files.createTempDirectory("soal-kafka-it");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path policies = Files.writeString(home.resolve("policies.yaml"), """
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
                    kafka: { bootstrapServers: ["127.0.0.1:%d"], topic: checked }
                    script: s3://soal-scripts/checked.sql
                    memoryMb: 2048
                    batchSize: 10
                    batchingWindowSeconds: 3
                    maximumRetries: 3
                    bisectOnError: true
                    provisionedPollers: { min: 1 }
                """.formatted(port));
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
        try (ServeProcess serve = ServeProcess.start(ROOT, home.resolve("stack"), null, List.of("--policy", policies.toString(),
                "--script", script.toString(), "--script", count.toString(), "--input", ROOT.resolve("examples/listings/listings-sample.csv").toString()))) {
            assertThat(serve.output()).contains("kafka broker at 127.0.0.1:" + port).contains("stream checked: topic checked -> soal-runtime-2048");
            List<String> first = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                first.add(i == 7 ? "not a reading" : "{\"id\":" + i + "}");
            }
            produce(port, first);
            // the poison record's batch: [0..9] fails, then [0..4] and [5..9], [5,6] and [7..9], [7] and [8,9]; [7] goes
            JsonNode jobs = await(serve, j -> count(j, "SUCCEEDED") >= 3 && count(j, "FAILED") >= 4, "the bisected batches");
            String failedKey = "_streams/checked/failed/checked-0-7-7.json";
            try (S3Client s3 = S3Clients.create(new S3Settings(S3Settings.DEFAULT_REGION, serve.s3(), "soal-local", "soal-local-secret"))) {
                awaitObject(s3, failedKey, serve);
                JsonNode record = Json.mapper().readTree(s3.getObjectAsBytes(r -> r.bucket("soal-jobs").key(failedKey)).asUtf8String());
                assertThat(record.path("KafkaBatchInfo").path("topicPartition").asText()).isEqualTo("checked-0");
                assertThat(record.path("KafkaBatchInfo").path("firstOffset").asLong()).isEqualTo(7);
                assertThat(record.path("KafkaBatchInfo").path("batchSize").asInt()).isEqualTo(1);
                assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
                assertThat(jobs.path("jobs").toString()).contains("checked-0 0..9 (10 records)").contains("not a reading");
                assertThat(table(serve, s3)).isEqualTo("9,9,38");

                // more records after it: the mapping went on past the poison record, and nothing is committed twice
                produce(port, List.of("{\"id\":10}", "{\"id\":11}", "{\"id\":12}"));
                await(serve, j -> j.path("jobs").toString().contains("checked-0 10..12 (3 records)") && count(j, "SUCCEEDED") >= 4,
                        "the next batch");
                assertThat(table(serve, s3)).isEqualTo("12,12,71");
            }
        }
    }

    private static void produce(int port, List<String> values) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 100);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (String v : values) {
                producer.send(new ProducerRecord<>("checked", v));
            }
            producer.flush();
        }
    }

    private static long count(JsonNode page, String state) {
        long n = 0;
        for (JsonNode j : page.path("jobs")) {
            if (j.path("state").asText().equals(state) && j.path("tags").path("stream").asText().equals("checked")) {
                n++;
            }
        }
        return n;
    }

    private JsonNode await(ServeProcess serve, Predicate<JsonNode> done, String what) throws Exception {
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

    private static void awaitObject(S3Client s3, String key, ServeProcess serve) throws InterruptedException {
        for (int i = 0; i < 60; i++) {
            if (!s3.listObjectsV2(r -> r.bucket("soal-jobs").prefix(key)).contents().isEmpty()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(key + " is not in the on-failure destination\n" + serve.output());
    }

    /** The table's rows, count and sum, read by a job of its own (its CSV output). */
    private String table(ServeProcess serve, S3Client s3) throws Exception {
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(serve.api() + "/jobs"))
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

    private String get(ServeProcess serve, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(serve.api() + path)).header("Authorization", "Bearer " + serve.token())
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
