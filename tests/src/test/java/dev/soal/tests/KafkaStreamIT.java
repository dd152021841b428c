package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.Json;
import dev.soal.router.serve.ServeProcess;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

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
    private static final Path ROOT = StreamChecks.ROOT;

    @Test
    void recordsLandOnce_andAPoisonRecordIsBisectedOutToTheFailureDestination() throws Exception {
        Path home = Files.createTempDirectory("soal-kafka-it");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path policies = StreamChecks.policies(home, """
                kafka: { bootstrapServers: ["127.0.0.1:%d"], topic: checked }
                provisionedPollers: { min: 1 }
                """.formatted(port));
        try (ServeProcess serve = ServeProcess.start(ROOT, home.resolve("stack"), null, StreamChecks.serveArgs(home, policies))) {
            assertThat(serve.output()).contains("kafka broker at 127.0.0.1:" + port).contains("stream checked: topic checked -> soal-runtime-2048");
            produce(port, StreamChecks.tenWithAPoisonAt7());
            // the poison record's batch: [0..9] fails, then [0..4] and [5..9], [5,6] and [7..9], [7] and [8,9]; [7] goes
            JsonNode jobs = StreamChecks.await(serve, j -> StreamChecks.count(j, "SUCCEEDED") >= 3 && StreamChecks.count(j, "FAILED") >= 4,
                    "the bisected batches");
            try (S3Client s3 = S3Clients.create(new S3Settings(S3Settings.DEFAULT_REGION, serve.s3(), "soal-local", "soal-local-secret"))) {
                List<String> failed = StreamChecks.awaitObjects(s3, "_streams/checked/failed/", serve);
                assertThat(failed).containsExactly("_streams/checked/failed/checked-0-7-7.json");
                JsonNode record = Json.mapper().readTree(s3.getObjectAsBytes(r -> r.bucket("soal-jobs").key(failed.get(0))).asUtf8String());
                assertThat(record.path("KafkaBatchInfo").path("topicPartition").asText()).isEqualTo("checked-0");
                assertThat(record.path("KafkaBatchInfo").path("firstOffset").asLong()).isEqualTo(7);
                assertThat(record.path("KafkaBatchInfo").path("batchSize").asInt()).isEqualTo(1);
                assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
                assertThat(jobs.path("jobs").toString()).contains("checked-0 0..9 (10 records)").contains("not a reading");
                assertThat(StreamChecks.table(serve, s3)).isEqualTo("9,9,38");

                // more records after it: the mapping went on past the poison record, and nothing is committed twice
                produce(port, List.of("{\"id\":10}", "{\"id\":11}", "{\"id\":12}"));
                StreamChecks.await(serve, j -> j.path("jobs").toString().contains("checked-0 10..12 (3 records)")
                        && StreamChecks.count(j, "SUCCEEDED") >= 4, "the next batch");
                assertThat(StreamChecks.table(serve, s3)).isEqualTo("12,12,71");
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
}
