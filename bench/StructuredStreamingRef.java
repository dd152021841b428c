import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.TableSettings;
import dev.soal.runtime.SparkSettings;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.Trigger;

import java.net.URI;

/**
 * The reference for bench/streams.sh: Spark Structured Streaming (spark-sql-kafka-0-10 3.5.1) reading a Kafka topic
 * and appending to an Iceberg table of the same catalog, local[1], a trigger every second; run with Spark's classpath
 * and the runner jar (for SparkSettings: the same S3A and catalog settings the runtime uses).
 * Args: bootstrap topic table catalogJdbcUrl warehouse s3Endpoint checkpointDir.
 */
public class StructuredStreamingRef {
    public static void main(String[] a) throws Exception {
        SparkSession.Builder b = SparkSession.builder().master("local[1]").appName("structured-streaming-reference")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1");
        SparkSettings.s3a(new S3Settings(S3Settings.DEFAULT_REGION, URI.create(a[5]), "soal-local", "soal-local-secret")).forEach(b::config);
        SparkSettings.tables(new TableSettings(a[3], a[4])).forEach(b::config);
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        spark.sql("CREATE NAMESPACE IF NOT EXISTS soal.bench");
        spark.sql("CREATE TABLE IF NOT EXISTS " + a[2] + " (id BIGINT, produced_ms BIGINT, position STRING) USING iceberg");
        spark.streams().addListener(new StreamingQueryListener() {
            @Override
            public void onQueryStarted(QueryStartedEvent e) {
            }

            @Override
            public void onQueryProgress(QueryProgressEvent e) {
                System.out.println("PROGRESS " + e.progress().numInputRows()); // the batch's rows, committed
                System.out.flush();
            }

            @Override
            public void onQueryTerminated(QueryTerminatedEvent e) {
            }
        });
        StreamingQuery q = spark.readStream().format("kafka").option("kafka.bootstrap.servers", a[0]).option("subscribe", a[1])
                .option("startingOffsets", "earliest").load()
                .selectExpr("CAST(get_json_object(CAST(value AS STRING), '$.id') AS BIGINT) AS id",
                        "CAST(get_json_object(CAST(value AS STRING), '$.produced') AS BIGINT) AS produced_ms",
                        "lpad(CAST(offset AS STRING), 19, '0') AS position")
                .writeStream().format("iceberg").outputMode("append").trigger(Trigger.ProcessingTime("1 second"))
                .option("checkpointLocation", a[6]).toTable(a[2]);
        System.out.println("STREAMING");
        System.out.flush();
        q.awaitTermination();
    }
}
