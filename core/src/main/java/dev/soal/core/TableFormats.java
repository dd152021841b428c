package dev.soal.core;

import java.util.Map;

/**
 * How the clusters turn on the table formats the runner's sessions set up (Iceberg, Delta, Hudi): the jars and
 * settings each platform's release ships them with, at the versions docs/tables.md lists. The Lambda image and the
 * embedded cluster carry the same formats in their {@code spark-home/jars}.
 */
public final class TableFormats {
    private TableFormats() {
    }

    /** Hudi writes only under Kryo; the runner sets it too, this makes it so before the driver starts. */
    public static final String SERIALIZER = "spark.serializer=org.apache.spark.serializer.KryoSerializer";

    /**
     * EMR Serverless: Iceberg's, Delta's and Hudi's jars as an EMR 7.x release ships them (Iceberg 1.10.0-amzn-0,
     * Delta 3.3.2-amzn-1 and Hudi 1.0.2-amzn-1 on emr-7.12.0), for {@code spark.jars}: a run has them on its classpath
     * only when asked.
     */
    public static final String EMR_JARS = "/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar,"
            + "/usr/share/aws/delta/lib/delta-spark.jar,/usr/share/aws/delta/lib/delta-storage.jar,"
            + "/usr/lib/hudi/hudi-spark-bundle.jar";

    /**
     * Glue: the release's Iceberg 1.10.0, Delta 3.3.2 and Hudi 1.0.2 (Glue 5.1), and Kryo; the job's default
     * arguments (the stack) and every run's.
     */
    public static final Map<String, String> GLUE_ARGUMENTS = Map.of(
            "--datalake-formats", "iceberg,delta,hudi",
            "--conf", SERIALIZER);
}
