package dev.soal.runtime;

import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.TableSettings;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Spark settings SoAL runs with: Lambda-safe ones for the in-process local session, and the
 * s3a ones every path needs ({@code s3://} is read through S3A outside EMR and Glue).
 */
public final class SparkSettings {
    /** Lambda gives one vCPU per 1,769 MB of memory, up to 6. */
    public static final int MB_PER_VCPU = 1769;

    private SparkSettings() {
    }

    /** Local cores for a Lambda of {@code memoryMb}, never more than this machine has. */
    public static int coresFor(int memoryMb, int availableProcessors) {
        int lambdaCores = Math.max(1, Math.min(6, Math.round(memoryMb / (float) MB_PER_VCPU)));
        return Math.max(1, Math.min(lambdaCores, availableProcessors));
    }

    /**
     * A local session that fits Lambda: writable dirs only under {@code tmp}, no UI, loopback only,
     * few shuffle partitions (2-4x cores, not 200), adaptive execution on.
     */
    public static Map<String, String> lambda(int cores, Path tmp) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("spark.master", "local[" + cores + "]");
        c.put("spark.app.name", "soal-lambda");
        c.put("spark.ui.enabled", "false");
        c.put("spark.ui.showConsoleProgress", "false");
        c.put("spark.driver.host", "127.0.0.1");
        c.put("spark.driver.bindAddress", "127.0.0.1");
        c.put("spark.local.dir", tmp.resolve("spark-local").toString());
        c.put("spark.sql.warehouse.dir", tmp.resolve("spark-warehouse").toString());
        c.put("spark.sql.shuffle.partitions", String.valueOf(Math.max(2, 3 * cores)));
        c.put("spark.default.parallelism", String.valueOf(Math.max(2, 3 * cores)));
        c.put("spark.sql.adaptive.enabled", "true");
        c.put("spark.sql.adaptive.coalescePartitions.enabled", "true");
        c.put("spark.hadoop.fs.s3a.buffer.dir", tmp.resolve("s3a").toString());
        // a Hudi write would start a timeline server (a web server) for executors; a local session has none
        c.put("hoodie.embed.timeline.server", "false");
        // where Hudi's merges spill what does not fit in memory: the job's own /tmp
        c.put("hoodie.memory.spillable.map.path", tmp.resolve("hudi-spill").toString());
        return c;
    }

    static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
    static final String ICEBERG_EXTENSION = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";
    static final String HUDI_EXTENSION = "org.apache.spark.sql.hudi.HoodieSparkSessionExtension";

    /**
     * Tables, the same on every path: Delta, Iceberg and Hudi's SQL (each where its classes are on the classpath;
     * Delta's extension first, or {@code UPDATE} on a Delta path fails with a {@code MatchError}; Hudi's last, with
     * {@link HudiAsOf} after it, and Kryo, which Hudi's writes need), Delta's
     * catalog as the session catalog (for {@code delta.`path`}), in memory, and the Iceberg catalog {@code soal}: the Glue
     * Data Catalog in AWS, a JDBC catalog elsewhere, its warehouse on S3.
     */
    public static Map<String, String> tables(TableSettings t) {
        Map<String, String> c = new LinkedHashMap<>();
        // the session catalog holds a job's own names only, on every path: not a metastore a platform may default to
        // (EMR's and Glue's Hive client on the Glue Data Catalog), where CREATE TABLE would outlive the job
        c.put("spark.sql.catalogImplementation", "in-memory");
        java.util.List<String> extensions = new java.util.ArrayList<>();
        if (present(DELTA_EXTENSION)) {
            extensions.add(DELTA_EXTENSION);
            c.put("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
        }
        if (present(ICEBERG_EXTENSION)) {
            extensions.add(ICEBERG_EXTENSION);
        }
        if (present(HUDI_EXTENSION)) {
            // after Delta's and Iceberg's, between HudiAsOf's two parts, which keep AS OF in Spark's grammar
            extensions.add(HudiAsOf.Beneath.class.getName());
            extensions.add(HUDI_EXTENSION);
            extensions.add(HudiAsOf.class.getName());
            // Hudi writes only under Kryo (its check); Delta and Iceberg work under it as well
            c.put("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
            c.put("spark.kryo.registrator", "org.apache.spark.HoodieSparkKryoRegistrar");
            // no metadata table: it doubles every commit's writes (a small job's MERGE 1.3 s without, 3-4 s with), and
            // the same on every path, since a writer without it deletes a table's metadata table (docs/tables.md)
            c.put("hoodie.metadata.enable", "false");
            // a commit's instant in UTC, whatever the writer's zone: the instants of writers on two paths keep their
            // order, and TIMESTAMP AS OF means the same on each
            c.put("hoodie.table.timeline.timezone", "UTC");
        }
        if (!extensions.isEmpty()) {
            c.put("spark.sql.extensions", String.join(",", extensions));
        }
        if (t.catalog() != null) {
            String soal = "spark.sql.catalog." + CATALOG;
            c.put(soal, "org.apache.iceberg.spark.SparkCatalog");
            c.put(soal + ".warehouse", t.warehouse());
            // the configured catalog, behind the check that keeps a stream batch's commits to one per table
            c.put(soal + ".catalog-impl", OnceCatalog.class.getName());
            if (t.catalog().equals(TableSettings.GLUE)) {
                c.put(soal + "." + OnceCatalog.DELEGATE, "org.apache.iceberg.aws.glue.GlueCatalog");
                c.put(soal + ".io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
                if (present(HUDI_EXTENSION)) {
                    // Hudi tables named in a database are in that Glue database too, after every commit
                    c.putAll(HudiGlueTables.settings());
                }
            } else {
                c.put(soal + "." + OnceCatalog.DELEGATE, "org.apache.iceberg.jdbc.JdbcCatalog");
                c.put(soal + ".uri", t.catalog());
                c.put(soal + ".jdbc.user", "soal");
                c.put(soal + ".jdbc.password", "soal");
                c.put(soal + ".jdbc.schema-version", "V1");
                // the tables' files through Hadoop's S3A, with the settings s3a() gives every path
                c.put(soal + ".io-impl", "org.apache.iceberg.hadoop.HadoopFileIO");
            }
        }
        return c;
    }

    /** The Iceberg catalog every script names its tables in: {@code soal.<namespace>.<table>}. */
    public static final String CATALOG = "soal";

    static boolean present(String className) {
        try {
            Class.forName(className, false, SparkSettings.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** S3A for {@code s3://} and {@code s3a://}: {@link S3Settings#sparkS3a()}. */
    public static Map<String, String> s3a(S3Settings s3) {
        return s3.sparkS3a();
    }
}
