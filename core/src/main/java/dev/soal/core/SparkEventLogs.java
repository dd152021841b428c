package dev.soal.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where every path's Spark event logs go: one prefix, {@value #PREFIX} in the first output bucket, so one History
 * Server ({@code soal history}) shows the applications of Lambda, EMR Serverless, Glue and standalone runs.
 */
public final class SparkEventLogs {
    /** The key prefix, under the bucket. */
    public static final String PREFIX = "soal-logs/spark-events/";

    /**
     * An empty object that makes the prefix a directory to Hadoop (a Spark session, and the History Server, refuse an
     * event log directory that does not exist); hidden, so the History Server does not take it for an event log.
     */
    public static final String MARKER = PREFIX + ".keep";

    private SparkEventLogs() {
    }

    /** {@code s3://<bucket>/soal-logs/spark-events/}. */
    public static String in(String bucket) {
        return "s3://" + bucket + "/" + PREFIX;
    }

    /** The Spark settings that write a session's event log to {@code dir} (a Hadoop file system URI). */
    public static Map<String, String> conf(String dir) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("spark.eventLog.enabled", "true");
        c.put("spark.eventLog.dir", dir);
        return c;
    }

    /** The same location for Hadoop's S3A ({@code s3a://}), as read outside EMR and Glue. */
    public static String s3a(String uri) {
        S3Uri u = S3Uri.parse(uri);
        return new S3Uri("s3a", u.bucket(), u.key()).toString();
    }
}
