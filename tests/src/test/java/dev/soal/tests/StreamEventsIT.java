package dev.soal.tests;

import dev.soal.core.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code soal run --event}, as a user runs it, each run its own process on one stack home: Kafka and Kinesis batches
 * as Lambda's event source mappings deliver them go to the runtime function through the local Lambda service; an S3
 * notification's objects are a job's inputs. A batch given twice leaves its table as after one, whether the job store
 * finds the batch's job or only the table knows the batch; a 5 MB batch travels by reference; a record the script
 * refuses fails the invocation, as the mapping needs to retry and bisect it.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class StreamEventsIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static Path home;

    record Run(int exit, String output) {
    }

    @BeforeAll
    static void home() throws IOException {
        home = Files.createTempDirectory("soal-streams-it");
    }

    static Run soal(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dsoal.home=" + ROOT, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), "dev.soal.router.cli.SoalCli", "run", "--home", home.toString()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(home, "run", ".log");
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("soal run did not end: " + Files.readString(log));
        }
        String out = Files.readString(log);
        System.out.println(out);
        return new Run(p.exitValue(), out);
    }

    /** A Kafka batch of {@code values} on partition 0 of a self-managed cluster's topic, from {@code offset}. */
    static Path kafkaEvent(String name, String topic, long offset, List<String> values) throws IOException {
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("topic", topic);
            r.put("partition", 0);
            r.put("offset", offset + i);
            r.put("timestamp", 1765015205000L + i);
            r.put("timestampType", "CREATE_TIME");
            r.put("value", Base64.getEncoder().encodeToString(values.get(i).getBytes(StandardCharsets.UTF_8)));
            r.put("headers", List.of());
            records.add(r);
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("eventSource", "SelfManagedKafka");
        event.put("bootstrapServers", "127.0.0.1:9092");
        event.put("records", Map.of(topic + "-0", records));
        return Files.writeString(home.resolve(name), Json.write(event));
    }

    @Test
    void theIotExample_kafkaThenKinesis_upsertsOnce_andTheQuerySeesBoth() throws Exception {
        String upsert = "examples/iot/iot_upsert.sql";
        Run first = soal("--script", upsert, "--event", "examples/iot/events/kafka-batch.json");
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).contains("SUCCEEDED").contains("answer: {\"batchItemFailures\":[]}")
                .contains("Kafka topic iot-readings of 127.0.0.1:9092, iot-readings-0 100..103 (4 records)");
        Run again = soal("--script", upsert, "--event", "examples/iot/events/kafka-batch.json");
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(again.output()).contains("is done (job ").contains("not run again");
        Run kinesis = soal("--script", upsert, "--event", "examples/iot/events/kinesis-batch.json");
        assertThat(kinesis.exit()).as(kinesis.output()).isZero();
        Run query = soal("--script", "examples/iot/latest.sql", "--event", "examples/iot/events/kinesis-batch.json");
        assertThat(query.output()).contains("| sensor-1 | 2       | 2026-12-06 10:01:02.0 | 22.4        |")
                .contains("| sensor-2 | 1       | 2026-12-06 10:00:07.0 | 19.0        |");
    }

    @Test
    void aFiveMegabyteBatch_travelsByReference_andCommitsOnce_evenWhenItsJobIsNotFound() throws Exception {
        List<String> values = new ArrayList<>();
        String pad = "x".repeat(720);
        for (int i = 0; i < 5_000; i++) {
            values.add("{\"id\":" + i + ",\"pad\":\"" + pad + "\"}");
        }
        Path event = kafkaEvent("big.json", "load", 0, values);
        assertThat(Files.size(event)).isBetween(5L << 20, 6L << 20); // Lambda takes 6 MB at most
        String sql = """
                CREATE NAMESPACE IF NOT EXISTS soal.load;
                CREATE TABLE IF NOT EXISTS soal.load.rows (id INT, position STRING) USING iceberg;
                INSERT INTO soal.load.rows SELECT CAST(get_json_object(data, '$.id') AS INT), position FROM records;
                """;
        Path append = Files.writeString(home.resolve("append.sql"), sql);
        // the same script under another name: another job for the same batch, which only the table can refuse
        Path again = Files.writeString(home.resolve("append_again.sql"), sql + "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM soal.load.rows;\n");
        Run first = soal("--script", append.toString(), "--event", event.toString());
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).contains("load-0 0..4999 (5000 records)");
        Run second = soal("--script", again.toString(), "--event", event.toString());
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(second.output()).contains("table soal.load.rows already holds this batch").contains("nothing committed again")
                .contains("| 5000 | 5000 |");
    }

    @Test
    void aRecordTheScriptRefuses_failsTheInvocation_soThatTheMappingRetriesAndBisects() throws Exception {
        Path event = kafkaEvent("poison.json", "checked", 40, List.of("{\"v\":1}", "not a reading", "{\"v\":3}"));
        Path sql = Files.writeString(home.resolve("checked.sql"), """
                CREATE NAMESPACE IF NOT EXISTS soal.checked;
                CREATE TABLE IF NOT EXISTS soal.checked.readings (v INT) USING iceberg;
                INSERT INTO soal.checked.readings SELECT CAST(get_json_object(data, '$.v') AS INT) FROM records
                WHERE assert_true(get_json_object(data, '$.v') IS NOT NULL, 'a record without v') IS NULL;
                """);
        Run run = soal("--script", sql.toString(), "--event", event.toString());
        assertThat(run.exit()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("FAILED").contains("a record without v")
                .contains("the function failed (Unhandled)").contains("batch checked-0 40..42 (3 records) failed");
    }

    @Test
    void anS3Notification_namesTheJobsInputs_andIsItsEvent() throws Exception {
        // the sample is in the embedded S3 once a run has put it there
        Run upload = soal("--script", "examples/listings/neighbourhood_stats.sql", "--input", "examples/listings/listings-sample.csv");
        assertThat(upload.exit()).as(upload.output()).isZero();
        Path event = Files.writeString(home.resolve("s3-event.json"), """
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-12-06T10:00:00.000Z",
                  "eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","configurationId":"t",
                  "bucket":{"name":"soal-data","arn":"arn:aws:s3:::soal-data"},
                  "object":{"key":"inputs/listings-sample.csv","size":1,"eTag":"e","sequencer":"0A"}}}]}
                """);
        Path sql = Files.writeString(home.resolve("event_of.sql"), """
                SELECT get_json_object('${event}', '$.Records[0].s3.object.key') AS key, count(*) AS rows
                FROM csv.`${input}`;
                """);
        Run run = soal("--script", sql.toString(), "--event", event.toString());
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("| inputs/listings-sample.csv |");
    }

    @Test
    void anEventOfNoKnownShape_isRefused() throws Exception {
        Path event = Files.writeString(home.resolve("other.json"), "{\"detail-type\":\"Scheduled Event\"}");
        Run run = soal("--script", "examples/iot/latest.sql", "--event", event.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.output()).contains("the event is neither an S3 notification, a Kinesis event nor a Kafka");
    }
}
