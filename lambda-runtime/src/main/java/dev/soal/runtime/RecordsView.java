package dev.soal.runtime;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The temporary view {@code records} a stream batch's script reads: one row per record, the same columns for Kinesis
 * and Kafka (see the README's "Event streams").
 */
final class RecordsView {
    static final String NAME = "records";
    static final StructType SCHEMA = new StructType()
            .add("source", DataTypes.StringType, false)
            .add("stream", DataTypes.StringType, false)
            .add("partition", DataTypes.StringType, false)
            .add("position", DataTypes.StringType, false)
            .add("arrival", DataTypes.TimestampType, true)
            .add("key", DataTypes.StringType, true)
            .add("data", DataTypes.StringType, false)
            .add("data_bytes", DataTypes.BinaryType, false)
            .add("headers", DataTypes.createMapType(DataTypes.StringType, DataTypes.BinaryType), false);

    private RecordsView() {
    }

    /** Registers the batch's records as {@code records} in {@code spark} (the job's own session). */
    static void register(SparkSession spark, StreamBatch batch) {
        List<Row> rows = new ArrayList<>(batch.records().size());
        for (StreamBatch.StreamRecord r : batch.records()) {
            rows.add(RowFactory.create(batch.source(), batch.stream(), r.partition(), batch.sortable(r.position()),
                    r.arrival() == null ? null : java.sql.Timestamp.from(r.arrival()), r.key(),
                    new String(r.data(), StandardCharsets.UTF_8), r.data(),
                    r.headers()));
        }
        spark.createDataFrame(rows, SCHEMA).createOrReplaceTempView(NAME);
    }
}
