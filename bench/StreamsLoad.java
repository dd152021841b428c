import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.Json;
import dev.soal.core.S3Uri;
import dev.soal.router.serve.ServeProcess;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * A Kafka stream under a fixed load on the embedded default: records of about 1 KB of JSON produced at a fixed rate to
 * the topic of `soal serve`'s broker, polled by its local event source mapping into an Iceberg table on the Lambda
 * path, for each batch size. Prints records per second sustained (records over the time from the first record
 * produced to the last one committed) and produce-to-committed latency p50 and p99 per record (its producer's clock
 * in the record, its snapshot's commit time from the table's metadata). Options: -Drate=N (records/s), -Dseconds=N,
 * -DbatchSizes=100,1000,10000, -Dwindow=N (the mapping's batching window, seconds; 1 by default).
 */
public class StreamsLoad {
    static final Path ROOT = Path.of(System.getProperty("soal.home", ".")).toAbsolutePath().normalize();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The table's rows, distinct ids, first produced, last committed, latency p50 and p99, snapshots; CSV to ${output}. */
    static final String MEASURE = """
            INSERT OVERWRITE DIRECTORY '${output}' USING csv
            SELECT count(*), count(DISTINCT t.id), min(t.produced_ms), max(unix_millis(s.committed_at)),
                   percentile(unix_millis(s.committed_at) - t.produced_ms, 0.5),
                   percentile(unix_millis(s.committed_at) - t.produced_ms, 0.99), count(DISTINCT s.snapshot_id)
            FROM (SELECT *, _file FROM TABLE) t
            JOIN TABLE.entries e ON t._file = e.data_file.file_path
            JOIN TABLE.snapshots s ON e.snapshot_id = s.snapshot_id
            WHERE t.id >= 0;
            """;
    /** The warm-up records in the table (their ids are negative); CSV to ${output}. */
    static final String WARM = """
            INSERT OVERWRITE DIRECTORY '${output}' USING csv SELECT count(*) FROM TABLE WHERE id < 0;
            """;
    /** Records sent before the measured load, waited for, so that both sides start warm. */
    static final int WARM_RECORDS = 10;

    public static void main(String[] args) throws Exception {
        int rate = Integer.getInteger("rate", 300);
        int seconds = Integer.getInteger("seconds", 30);
        System.out.printf("records of ~1 KB at %d/s for %d s into an Iceberg table, per batch size (window %d s)%n", rate, seconds,
                Integer.getInteger("window", 1));
        System.out.println("| what | records (distinct) | sustained | p50 latency | p99 latency | commits |");
        System.out.println("|---|---|---|---|---|---|");
        for (String b : System.getProperty("batchSizes", "100,1000,10000").split(",")) {
            round(Integer.parseInt(b.trim()), rate, seconds);
        }
    }

    static void round(int batchSize, int rate, int seconds) throws Exception {
        Path home = Files.createTempDirectory("soal-bench-streams");
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
                  - name: load
                    kafka: { bootstrapServers: ["127.0.0.1:%d"], topic: load }
                    script: s3://soal-scripts/load.sql
                    memoryMb: 2048
                    batchSize: %d
                    batchingWindowSeconds: %d
                """.formatted(port, batchSize, Integer.getInteger("window", 1)));
        Path script = Files.writeString(home.resolve("load.sql"), """
                CREATE NAMESPACE IF NOT EXISTS soal.bench;
                CREATE TABLE IF NOT EXISTS soal.bench.load (id BIGINT, produced_ms BIGINT, position STRING) USING iceberg;
                INSERT INTO soal.bench.load
                SELECT CAST(get_json_object(data, '$.id') AS BIGINT), CAST(get_json_object(data, '$.produced') AS BIGINT), position
                FROM records;
                """);
        Path measure = Files.writeString(home.resolve("measure.sql"), MEASURE.replace("TABLE", "soal.bench.load"));
        Path measureReference = Files.writeString(home.resolve("measure_reference.sql"), MEASURE.replace("TABLE", "soal.bench.reference"));
        Path warm = Files.writeString(home.resolve("warm.sql"), WARM.replace("TABLE", "soal.bench.load"));
        Path warmReference = Files.writeString(home.resolve("warm_reference.sql"), WARM.replace("TABLE", "soal.bench.reference"));
        int total = rate * seconds;
        try (ServeProcess serve = ServeProcess.start(ROOT, home.resolve("stack"), null, List.of("--policy", policies.toString(),
                "--script", script.toString(), "--script", measure.toString(), "--script", measureReference.toString(),
                "--script", warm.toString(), "--script", warmReference.toString(),
                "--input", ROOT.resolve("examples/listings/listings-sample.csv").toString()))) {
            try (S3Client s3 = S3Clients.create(new S3Settings(S3Settings.DEFAULT_REGION, serve.s3(), "soal-local", "soal-local-secret"))) {
                warmUp(serve, s3, port, "load", "warm.sql");
                produce(port, "load", rate, total);
                awaitRecords(() -> batchedRecords(serve), WARM_RECORDS + total);
                report("SoAL, batch " + String.format("%,d", batchSize), await(serve, s3, "measure.sql", total), total);
                if (batchSize == 1000 && !Boolean.getBoolean("noReference")) {
                    reference(serve, s3, home, port, rate, total);
                }
            }
        }
    }

    /**
     * Spark Structured Streaming on the same broker, catalog and machine, after SoAL's round (never both at once): a
     * topic of its own, the same load once the query streams.
     */
    static void reference(ServeProcess serve, S3Client s3, Path home, int port, int rate, int total) throws Exception {
        Properties a = new Properties();
        a.put("bootstrap.servers", "127.0.0.1:" + port);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(a)) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("reference", 1, (short) 1))).all().get();
        }
        var services = Json.mapper().readTree(s3.getObjectAsBytes(r -> r.bucket("soal-jobs").key("_stack/services.json")).asUtf8String());
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1638m"));
        cmd.addAll(dev.soal.adapters.local.RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        cmd.addAll(List.of("-cp", ROOT.resolve("lambda-runtime/target/spark-home/jars") + "/*:" + ROOT.resolve("lambda-runtime/target/soal-runner.jar")
                        + ":" + System.getProperty("reference.classpath"),
                ROOT.resolve("bench/StructuredStreamingRef.java").toString(), "127.0.0.1:" + port, "reference", "soal.bench.reference",
                services.path("catalog").asText(), services.path("warehouse").asText(), serve.s3().toString(),
                home.resolve("checkpoint").toString()));
        Path log = home.resolve("reference.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long until = System.nanoTime() + 180L * 1_000_000_000;
            while (!Files.readString(log).contains("STREAMING")) {
                if (!p.isAlive() || System.nanoTime() > until) {
                    throw new IllegalStateException("the Structured Streaming reference did not start: " + Files.readString(log));
                }
                Thread.sleep(500);
            }
            warmUp(serve, s3, port, "reference", "warm_reference.sql");
            produce(port, "reference", rate, total);
            awaitRecords(() -> progressed(log), WARM_RECORDS + total);
            report("Structured Streaming, trigger 1 s", await(serve, s3, "measure_reference.sql", total), total);
        } finally {
            p.destroy();
            p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    /**
     * Warm-up records (negative ids) through the whole path, waited for until they are in the table: the environment
     * (or the query) has run a batch before the measured load, and no measuring job runs beside the load.
     */
    static void warmUp(ServeProcess serve, S3Client s3, int port, String topic, String script) throws Exception {
        produce(port, topic, 100, WARM_RECORDS, -WARM_RECORDS);
        long deadline = System.nanoTime() + 5L * 60 * 1_000_000_000;
        while (System.nanoTime() < deadline) {
            String[] m = measure(serve, s3, script);
            if (m != null && Long.parseLong(m[0]) >= WARM_RECORDS) {
                return;
            }
            Thread.sleep(2000);
        }
        throw new IllegalStateException("the warm-up records did not reach the table in 5 minutes");
    }

    /** Waits, without a Spark job of its own, until the side under test says it has committed {@code total} records. */
    static void awaitRecords(java.util.concurrent.Callable<Long> committed, long total) throws Exception {
        long deadline = System.nanoTime() + 10L * 60 * 1_000_000_000;
        while (System.nanoTime() < deadline && committed.call() < total) {
            Thread.sleep(1000);
        }
    }

    private static final java.util.regex.Pattern RECORDS = java.util.regex.Pattern.compile("\\((\\d+) records?\\)");

    /** The records of the stream's succeeded batches, from {@code GET /jobs} (their reasons name the counts). */
    static long batchedRecords(ServeProcess serve) throws Exception {
        long n = 0;
        String token = null;
        do {
            var page = Json.mapper().readTree(HTTP.send(HttpRequest.newBuilder(URI.create(serve.api() + "/jobs?limit=100"
                            + (token == null ? "" : "&nextToken=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8))))
                    .header("Authorization", "Bearer " + serve.token()).build(), HttpResponse.BodyHandlers.ofString()).body());
            for (var j : page.path("jobs")) {
                if (j.path("state").asText().equals("SUCCEEDED") && j.path("tags").path("stream").asText().equals("load")) {
                    var m = RECORDS.matcher(j.path("reasons").toString());
                    while (m.find()) {
                        n += Long.parseLong(m.group(1));
                    }
                }
            }
            token = page.path("nextToken").isTextual() ? page.path("nextToken").asText() : null;
        } while (token != null);
        return n;
    }

    /** The rows the reference's query has committed, from the progress lines it prints. */
    static long progressed(Path log) throws Exception {
        long n = 0;
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("PROGRESS ")) {
                n += Long.parseLong(line.substring("PROGRESS ".length()).strip());
            }
        }
        return n;
    }

    static void produce(int port, String topic, int rate, int total) throws Exception {
        produce(port, topic, rate, total, 0);
    }

    static void produce(int port, String topic, int rate, int total, int firstId) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        String pad = "x".repeat(960);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + (long) (i * 1e9 / rate);
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                producer.send(new ProducerRecord<>(topic, "{\"id\":" + (firstId + i) + ",\"produced\":" + System.currentTimeMillis()
                        + ",\"pad\":\"" + pad + "\"}"));
            }
            producer.flush();
        }
    }

    /** Measures until every record is in the table, or 10 minutes. */
    static String[] await(ServeProcess serve, S3Client s3, String script, int total) throws Exception {
        String[] m = null;
        long deadline = System.nanoTime() + 10L * 60 * 1_000_000_000;
        while (System.nanoTime() < deadline) {
            m = measure(serve, s3, script);
            if (m != null && Long.parseLong(m[0]) >= total) {
                break;
            }
            Thread.sleep(5000);
        }
        return m;
    }

    static void report(String what, String[] m, int total) {
        if (m == null || Long.parseLong(m[0]) < total) {
            System.out.printf("| %s | %s of %,d committed in 10 min | | | | |%n", what, m == null ? "0" : m[0], total);
            return;
        }
        double span = (Long.parseLong(m[3]) - Long.parseLong(m[2])) / 1000.0;
        System.out.printf("| %s | %,d (%s distinct) | %,.0f records/s | %,.0f ms | %,.0f ms | %s |%n", what,
                Long.parseLong(m[0]), m[1], Long.parseLong(m[0]) / span, Double.parseDouble(m[4]), Double.parseDouble(m[5]), m[6]);
    }

    /** The table's figures, by a job of its own: rows, distinct ids, first produced, last committed, p50, p99, snapshots. */
    static String[] measure(ServeProcess serve, S3Client s3, String script) throws Exception {
        HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create(serve.api() + "/jobs"))
                .header("Authorization", "Bearer " + serve.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"script\":\"s3://soal-scripts/" + script + "\","
                        + "\"inputs\":[\"s3://soal-data/inputs/listings-sample.csv\"]}")).build(), HttpResponse.BodyHandlers.ofString());
        String id = Json.mapper().readTree(posted.body()).path("jobId").asText();
        for (int i = 0; i < 600; i++) {
            var job = Json.mapper().readTree(HTTP.send(HttpRequest.newBuilder(URI.create(serve.api() + "/jobs/" + id))
                    .header("Authorization", "Bearer " + serve.token()).build(), HttpResponse.BodyHandlers.ofString()).body());
            String state = job.path("state").asText();
            if (state.equals("SUCCEEDED")) {
                S3Uri out = S3Uri.parse(job.path("output").asText());
                for (S3Object o : s3.listObjectsV2(r -> r.bucket(out.bucket()).prefix(out.key())).contents()) {
                    if (o.key().endsWith(".csv")) {
                        String csv = s3.getObjectAsBytes(r -> r.bucket(out.bucket()).key(o.key())).asUtf8String().strip();
                        return csv.isEmpty() ? null : csv.split(",");
                    }
                }
                return null;
            }
            if (!state.equals("QUEUED") && !state.equals("RUNNING")) {
                return null; // the table does not exist yet, say
            }
            Thread.sleep(500);
        }
        return null;
    }
}
