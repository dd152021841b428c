package dev.soal.runtime;

import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.InMemoryJobStore;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.Json;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import dev.soal.core.StreamBinding;
import dev.soal.core.TableSettings;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Stream batches through the Lambda handler, as an event source mapping delivers them: Kinesis and Kafka events in the
 * shapes Lambda sends, a real local Spark session, and the {@code soal} Iceberg catalog (JDBC on an in-memory H2, files
 * on the local disk) behind {@link OnceCatalog}. Each test writes its own table.
 */
class StreamBatchesTest {
    static final String STREAM_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/readings";
    static final String MSK_ARN = "arn:aws:kafka:eu-west-1:123456789012:cluster/iot/751d2973-a626-431c-9d4e-d7975eb44dd7-2";

    @TempDir
    static Path tmp;
    private static SparkSession spark;

    /** What the handler put into "S3" (the batches' events), and the scripts, by URI. */
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();

    @BeforeAll
    static void startSpark() {
        SparkSession.Builder b = SparkSession.builder();
        SparkSettings.lambda(1, tmp.resolve("lambda-tmp")).forEach(b::config);
        SparkSettings.tables(TableSettings.of("jdbc:h2:mem:streams;DB_CLOSE_DELAY=-1;DATABASE_TO_LOWER=TRUE",
                "s3://soal-data/warehouse/")).forEach(b::config);
        b.config("spark.sql.catalog.soal.warehouse", tmp.resolve("warehouse").toUri().toString());
        spark = b.getOrCreate();
        spark.sql("CREATE NAMESPACE IF NOT EXISTS soal.iot");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private SparkLambdaHandler handler(InMemoryJobStore store, List<StreamBinding> bindings) {
        RuntimeConfig config = new RuntimeConfig(S3Uri.parse("s3://soal-jobs/"), 2048, tmp.resolve("lambda-tmp"),
                new S3Settings("eu-west-1", null, null, null), TableSettings.none(), bindings);
        JobRunner runner = new JobRunner(uri -> {
            byte[] b = objects.get(uri.toString());
            if (b == null) {
                throw software.amazon.awssdk.services.s3.model.NoSuchKeyException.builder().message("no " + uri).build();
            }
            return b;
        });
        return new SparkLambdaHandler(config, store, runner, Clock.systemUTC(), Duration.ofMillis(200),
                dev.soal.core.RuntimeAttempts.DEFAULT_LEASE, null, (uri, bytes) -> objects.put(uri.toString(), bytes));
    }

    private StreamBinding script(String name, String source, String arn, String topic, String sql) {
        String uri = "s3://soal-scripts/" + name + ".sql";
        objects.put(uri, sql.getBytes(StandardCharsets.UTF_8));
        return new StreamBinding(name, source, arn, null, topic, uri, null, Map.of(), 2048);
    }

    /** A Kinesis event as Lambda delivers it: records of one shard, data in base64, arrival in epoch seconds. */
    static Map<String, Object> kinesis(String shard, long firstSequence, String... payloads) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < payloads.length; i++) {
            String seq = "4959033827149025660855969253836157109592157598913658" + String.format("%04d", firstSequence + i);
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("kinesisSchemaVersion", "1.0");
            k.put("partitionKey", "device-" + i);
            k.put("sequenceNumber", seq);
            k.put("data", Base64.getEncoder().encodeToString(payloads[i].getBytes(StandardCharsets.UTF_8)));
            k.put("approximateArrivalTimestamp", 1.7650368E9 + i);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("kinesis", k);
            r.put("eventSource", "aws:kinesis");
            r.put("eventVersion", "1.0");
            r.put("eventID", shard + ":" + seq);
            r.put("eventName", "aws:kinesis:record");
            r.put("invokeIdentityArn", "arn:aws:iam::123456789012:role/soal-runtime");
            r.put("awsRegion", "eu-west-1");
            r.put("eventSourceARN", STREAM_ARN);
            records.add(r);
        }
        return Map.of("Records", records);
    }

    /** An MSK event as Lambda delivers it: records by topic-partition, key and value in base64, headers as byte arrays. */
    static Map<String, Object> kafka(String topic, Map<Integer, List<String>> byPartition, long firstOffset) {
        Map<String, Object> records = new LinkedHashMap<>();
        byPartition.forEach((p, values) -> {
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("topic", topic);
                r.put("partition", p);
                r.put("offset", firstOffset + i);
                r.put("timestamp", 1765036800000L + i);
                r.put("timestampType", "CREATE_TIME");
                r.put("key", Base64.getEncoder().encodeToString(("k" + i).getBytes(StandardCharsets.UTF_8)));
                r.put("value", Base64.getEncoder().encodeToString(values.get(i).getBytes(StandardCharsets.UTF_8)));
                r.put("headers", List.of(Map.of("origin", List.of(105, 111, 116))));
                list.add(r);
            }
            records.put(topic + "-" + p, list);
        });
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("eventSource", "aws:kafka");
        e.put("eventSourceArn", MSK_ARN);
        e.put("bootstrapServers", "b-1.iot.kafka.eu-west-1.amazonaws.com:9092,b-2.iot.kafka.eu-west-1.amazonaws.com:9092");
        e.put("records", records);
        return e;
    }

    /** The table's rows now: its cached copy in this test's session is refreshed first (the jobs write in sessions of their own). */
    private static long count(String table) {
        if (!table.endsWith(".snapshots")) {
            spark.sql("REFRESH TABLE " + table);
        }
        return spark.sql("SELECT count(*) FROM " + table).first().getLong(0);
    }

    private static final String KINESIS_SQL = """
            CREATE TABLE IF NOT EXISTS soal.iot.%s (shard STRING, position STRING, device STRING, v INT) USING iceberg;
            INSERT INTO soal.iot.%s SELECT partition, position, key, CAST(get_json_object(data, '$.v') AS INT) FROM records;
            """;

    @Test
    void aKinesisBatch_runsAsAJob_andItsRedeliveries_neverCommitTwice() {
        InMemoryJobStore store = new InMemoryJobStore();
        StreamBinding b = script("kinesis-once", StreamBinding.KINESIS, STREAM_ARN, null, KINESIS_SQL.formatted("k_once", "k_once"));
        SparkLambdaHandler h = handler(store, List.of(b));
        Map<String, Object> batch = kinesis("shardId-000000000006", 1, "{\"v\":1}", "{\"v\":2}", "{\"v\":3}");

        assertThat(h.handleRequest(batch, null)).isEqualTo(Map.of("batchItemFailures", List.of()));
        assertThat(count("soal.iot.k_once")).isEqualTo(3);
        spark.sql("REFRESH TABLE soal.iot.k_once");
        List<Row> rows = spark.sql("SELECT shard, position, device, v FROM soal.iot.k_once ORDER BY position").collectAsList();
        assertThat(rows.get(0).getString(0)).isEqualTo("shardId-000000000006");
        assertThat(rows.get(0).getString(1)).hasSize(129).endsWith("49590338271490256608559692538361571095921575989136580001");
        assertThat(rows).extracting(r -> r.getInt(3)).containsExactly(1, 2, 3);
        JobRecord job = store.list(null, 10, null).jobs().get(0);
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.request().tags()).containsEntry("stream", "kinesis-once").containsEntry("source", "kinesis");
        assertThat(job.decision().reasons().get(0)).contains("shardId-000000000006 ").contains("(3 records)");
        assertThat(objects).containsKey(job.request().eventUri());
        // the snapshot says which batch and job made it
        Row summary = spark.sql("SELECT summary['soal.job'], summary['soal.batch'] FROM soal.iot.k_once.snapshots"
                + " WHERE summary['soal.job'] IS NOT NULL").first();
        assertThat(summary.getString(0)).isEqualTo(job.id());

        // the same batch again (Lambda retries after a lost answer): the job is found, nothing runs
        assertThat(h.handleRequest(batch, null)).isEqualTo(Map.of("batchItemFailures", List.of()));
        assertThat(store.list(null, 10, null).jobs()).hasSize(1);

        // ... and with no job store record to find (another store, a lost record): the table itself refuses it
        assertThat(handler(new InMemoryJobStore(), List.of(b)).handleRequest(batch, null))
                .isEqualTo(Map.of("batchItemFailures", List.of()));
        // a half of it (a bisected retry of a batch that had committed)
        assertThat(handler(new InMemoryJobStore(), List.of(b)).handleRequest(
                kinesis("shardId-000000000006", 1, "{\"v\":1}", "{\"v\":2}"), null)).isEqualTo(Map.of("batchItemFailures", List.of()));
        assertThat(count("soal.iot.k_once")).isEqualTo(3);

        // the next batch of the shard commits
        assertThat(h.handleRequest(kinesis("shardId-000000000006", 4, "{\"v\":4}"), null))
                .isEqualTo(Map.of("batchItemFailures", List.of()));
        assertThat(count("soal.iot.k_once")).isEqualTo(4);
        assertThat(spark.sql("SHOW TBLPROPERTIES soal.iot.k_once").collectAsList())
                .filteredOn(r -> r.getString(0).startsWith("soal.position.kinesis.readings.shardId-000000000006@"))
                .singleElement().satisfies(r -> assertThat(r.getString(1)).isEqualTo("49590338271490256608559692538361571095921575989136580004"));
    }

    @Test
    void aScriptThatWritesOneTableTwice_getsBothWrites_andAReplayGetsNeither() {
        StreamBinding b = script("kinesis-twice", StreamBinding.KINESIS, STREAM_ARN, null, """
                CREATE TABLE IF NOT EXISTS soal.iot.k_twice (shard STRING, position STRING, v INT) USING iceberg;
                INSERT INTO soal.iot.k_twice SELECT partition, position, CAST(get_json_object(data, '$.v') AS INT) FROM records;
                DELETE FROM soal.iot.k_twice WHERE v = 2;
                INSERT INTO soal.iot.k_twice SELECT partition, position, 10 * CAST(get_json_object(data, '$.v') AS INT) FROM records;
                """);
        Map<String, Object> batch = kinesis("shardId-000000000002", 1, "{\"v\":1}", "{\"v\":2}");
        assertThat(handler(new InMemoryJobStore(), List.of(b)).handleRequest(batch, null)).isEqualTo(Map.of("batchItemFailures", List.of()));
        spark.sql("REFRESH TABLE soal.iot.k_twice");
        assertThat(spark.sql("SELECT v FROM soal.iot.k_twice ORDER BY v").collectAsList()).extracting(r -> r.getInt(0))
                .containsExactly(1, 10, 20);
        // another run of the batch (a lost job record): each of its three writes is refused
        assertThat(handler(new InMemoryJobStore(), List.of(b)).handleRequest(batch, null)).isEqualTo(Map.of("batchItemFailures", List.of()));
        spark.sql("REFRESH TABLE soal.iot.k_twice");
        assertThat(spark.sql("SELECT v FROM soal.iot.k_twice ORDER BY v").collectAsList()).extracting(r -> r.getInt(0))
                .containsExactly(1, 10, 20);
        // a rollback to a snapshot a batch made is the table's owner's doing, not a batch's commit
        long first = spark.sql("SELECT snapshot_id FROM soal.iot.k_twice.snapshots ORDER BY committed_at LIMIT 1").first().getLong(0);
        spark.sql("CALL soal.system.rollback_to_snapshot('iot.k_twice', " + first + ")");
        assertThat(count("soal.iot.k_twice")).isEqualTo(2);
    }

    @Test
    void aBatchCutDifferentlyFromACommittedOne_failsNamingTheTable_andCommitsNothing() {
        InMemoryJobStore store = new InMemoryJobStore();
        StreamBinding b = script("kinesis-cut", StreamBinding.KINESIS, STREAM_ARN, null, KINESIS_SQL.formatted("k_cut", "k_cut"));
        handler(store, List.of(b)).handleRequest(kinesis("shardId-000000000001", 1, "{\"v\":1}", "{\"v\":2}"), null);

        assertThatThrownBy(() -> handler(store, List.of(b)).handleRequest(
                kinesis("shardId-000000000001", 2, "{\"v\":2}", "{\"v\":3}"), null))
                .isInstanceOf(SoalException.class).hasMessageContaining("stream kinesis-cut: batch shardId-000000000001 ")
                .hasMessageContaining("holds part of this batch");
        JobRecord failed = store.list(JobState.FAILED, 10, null).jobs().get(0);
        assertThat(failed.message()).contains("table soal.iot.k_cut holds part of this batch").contains("nothing of this one was committed");
        assertThat(count("soal.iot.k_cut")).isEqualTo(2);
    }

    @Test
    void aKafkaBatch_seesItsRecordsAndHeaders_andAFailedOneFailsTheInvocation_thenRunsAgainAsANewJob() {
        InMemoryJobStore store = new InMemoryJobStore();
        String sql = """
                CREATE TABLE IF NOT EXISTS soal.iot.kafka_readings (p STRING, pos STRING, k STRING, v INT, origin STRING) USING iceberg;
                INSERT INTO soal.iot.kafka_readings
                SELECT partition, position, key, CAST(get_json_object(data, '$.v') AS INT), CAST(headers['origin'] AS STRING)
                FROM records WHERE assert_true(get_json_object(data, '$.v') IS NOT NULL, 'a reading without v') IS NULL;
                """;
        StreamBinding b = script("iot", StreamBinding.KAFKA, MSK_ARN, "readings", sql);
        SparkLambdaHandler h = handler(store, List.of(b));
        Map<String, Object> poisoned = kafka("readings", new java.util.TreeMap<>(Map.of(0, List.of("{\"v\":1}", "not json"),
                1, List.of("{\"v\":7}"))), 40);

        // a function error: Lambda retries the batch, and bisects it when the stream says so
        assertThatThrownBy(() -> h.handleRequest(poisoned, null)).isInstanceOf(SoalException.class)
                .hasMessageContaining("stream iot: batch readings-0 40..41 (2 records), readings-1 40..40 (1 record) failed")
                .hasMessageContaining("a reading without v");
        assertThat(store.list(JobState.FAILED, 10, null).jobs()).singleElement()
                .satisfies(j -> assertThat(j.message()).contains("a reading without v"));
        assertThat(count("soal.iot.kafka_readings")).isZero();

        // the good half after a bisect: a new batch, a new job
        Map<String, Object> good = kafka("readings", Map.of(1, List.of("{\"v\":7}")), 40);
        assertThat(h.handleRequest(good, null)).isEqualTo(Map.of("batchItemFailures", List.of()));
        spark.sql("REFRESH TABLE soal.iot.kafka_readings");
        Row row = spark.sql("SELECT p, pos, k, v, origin FROM soal.iot.kafka_readings").first();
        assertThat(row.getString(0)).isEqualTo("1");
        assertThat(row.getString(1)).isEqualTo("0000000000000000040");
        assertThat(row.getString(2)).isEqualTo("k0");
        assertThat(row.getInt(3)).isEqualTo(7);
        assertThat(row.getString(4)).isEqualTo("iot");

        // the poisoned batch delivered again: its first job FAILED, so the delivery is the batch's second job
        assertThatThrownBy(() -> h.handleRequest(poisoned, null)).isInstanceOf(SoalException.class);
        assertThat(store.list(JobState.FAILED, 10, null).jobs()).hasSize(2)
                .extracting(j -> j.request().idempotencyKey()).allMatch(k -> k.startsWith("stream-")).doesNotHaveDuplicates();
    }

    @Test
    void theIotExample_upsertsABatchWithMerge_andReplayingItLeavesTheTableAsAfterOne() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String sql = java.nio.file.Files.readString(root.resolve("examples/iot/iot_upsert.sql"));
        @SuppressWarnings("unchecked")
        Map<String, Object> event = Json.read(java.nio.file.Files.readString(root.resolve("examples/iot/events/kafka-batch.json")), Map.class);
        StreamBinding b = new StreamBinding("iot-readings", StreamBinding.KAFKA, null, "127.0.0.1:9092", "iot-readings",
                "s3://soal-scripts/iot_upsert.sql", null, Map.of(), 2048);
        objects.put(b.script(), sql.getBytes(StandardCharsets.UTF_8));
        assertThat(handler(new InMemoryJobStore(), List.of(b)).handleRequest(event, null)).isEqualTo(Map.of("batchItemFailures", List.of()));
        spark.sql("REFRESH TABLE soal.iot.readings");
        String rows = spark.sql("SELECT device, minute, temperature FROM soal.iot.readings ORDER BY device, minute").collectAsList().toString();
        assertThat(rows).isEqualTo("[[sensor-1,2026-12-06 10:00:00.0,21.9], [sensor-1,2026-12-06 10:01:00.0,22.4], [sensor-2,2026-12-06 10:00:00.0,19.0]]");
        long snapshots = count("soal.iot.readings.snapshots");
        assertThat(handler(new InMemoryJobStore(), List.of(b)).handleRequest(event, null)).isEqualTo(Map.of("batchItemFailures", List.of()));
        spark.sql("REFRESH TABLE soal.iot.readings");
        assertThat(spark.sql("SELECT device, minute, temperature FROM soal.iot.readings ORDER BY device, minute").collectAsList().toString())
                .isEqualTo(rows);
        assertThat(count("soal.iot.readings.snapshots")).isEqualTo(snapshots);
    }

    @Test
    void anEventOfNoStreamOfTheFunction_orOfNoKnownShape_isAClearError() {
        InMemoryJobStore store = new InMemoryJobStore();
        SparkLambdaHandler h = handler(store, List.of());
        assertThatThrownBy(() -> h.handleRequest(kinesis("shardId-000000000001", 1, "{}"), null))
                .isInstanceOf(SoalException.class)
                .hasMessageContaining("no stream of this function's policies").hasMessageContaining(STREAM_ARN);
        assertThatThrownBy(() -> h.handleRequest(Map.of("Records", List.of(Map.of("eventSource", "aws:s3"))), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("an S3 event goes to the router's trigger function");
        assertThatThrownBy(() -> h.handleRequest(Map.of("detail-type", "x"), null))
                .hasMessageContaining("a Kinesis or Kafka event");
        assertThat(store.list(null, 10, null).jobs()).isEmpty();
    }

    @Test
    void theBatchesIdentity_isItsSourceAndEachPartitionsRange() {
        StreamBatch a = StreamBatch.of(kinesis("shardId-000000000001", 1, "a", "b")).orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> reread = Json.read(Json.write(kinesis("shardId-000000000001", 1, "a", "b")), Map.class);
        StreamBatch again = StreamBatch.of(reread).orElseThrow();
        StreamBatch half = StreamBatch.of(kinesis("shardId-000000000001", 1, "a")).orElseThrow();
        assertThat(a.identity()).isEqualTo(again.identity()).isNotEqualTo(half.identity());
        assertThat(a.records().get(0).data()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
        assertThat(a.records().get(0).arrival()).isEqualTo(java.time.Instant.ofEpochSecond(1_765_036_800));
    }
}
