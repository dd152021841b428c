package dev.soal.runtime;

import dev.soal.core.RunnerArgs;
import org.apache.spark.sql.SparkSession;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Primes a provisioned environment during its INIT ({@code AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency}):
 * a built-in job on a few MB of generated data, through what real jobs use (CSV and JSON reading and writing, a join,
 * aggregations, a window, a Parquet write, an Iceberg and a Delta commit where their classes are present, all through
 * {@link JobRunner}), so the JIT has compiled the hot paths before the first real job. It runs in a session of its
 * own, in a throwaway folder and catalog under {@code /tmp} that it deletes: nothing of it is left in the job store,
 * the tables or {@code /tmp}.
 */
final class Primer {
    static final String INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE";
    static final String PROVISIONED = "provisioned-concurrency";
    /** Rows of generated listings: about 2 MB of CSV. */
    static final int ROWS = 25_000;

    private Primer() {
    }

    static boolean provisioned(Map<String, String> env) {
        return PROVISIONED.equals(env.get(INITIALIZATION_TYPE));
    }

    static final String SCRIPT = """
            CREATE OR REPLACE TEMPORARY VIEW listings USING csv OPTIONS (path '${input}', header 'true', inferSchema 'true');
            INSERT OVERWRITE DIRECTORY '${work}/hosts' USING json
              SELECT host_id, first(name) AS host_name, count(*) AS listed FROM listings GROUP BY host_id;
            CREATE OR REPLACE TEMPORARY VIEW hosts USING json OPTIONS (path '${work}/hosts');
            CREATE OR REPLACE TEMPORARY VIEW stats AS
              SELECT l.neighbourhood_group, l.room_type, count(*) AS listings, round(avg(l.price), 2) AS avg_price,
                     max(h.listed) AS most_listed, percentile_approx(l.price, 0.5) AS median_price
              FROM listings l JOIN hosts h ON l.host_id = h.host_id
              GROUP BY l.neighbourhood_group, l.room_type;
            INSERT OVERWRITE DIRECTORY '${work}/parquet' USING parquet
              SELECT *, rank() OVER (PARTITION BY neighbourhood_group ORDER BY listings DESC) AS busiest FROM stats;
            SELECT count(*) AS groups, sum(listings) AS listings FROM parquet.`${work}/parquet`;
            """;
    static final String DELTA = """
            CREATE TABLE delta.`${work}/delta` USING delta AS SELECT * FROM stats;
            UPDATE delta.`${work}/delta` SET listings = listings + 1 WHERE room_type = 'Private room';
            SELECT count(*) FROM delta.`${work}/delta`;
            """;
    static final String ICEBERG = """
            CREATE TABLE soal_prime.db.stats USING iceberg AS SELECT * FROM stats;
            INSERT INTO soal_prime.db.stats SELECT * FROM stats;
            SELECT count(*) FROM soal_prime.db.stats;
            """;

    /** Runs the built-in job in a session of {@code root}'s, under {@code tmp}; answers how long it took (ms). */
    static long prime(SparkSession root, Path tmp) {
        long t0 = System.nanoTime();
        Path dir = tmp.resolve("soal-prime");
        try {
            Path input = Files.createDirectories(dir.resolve("listings"));
            write(input.resolve("listings.csv"), ROWS);
            SparkSession s = root.newSession();
            StringBuilder sql = new StringBuilder(SCRIPT);
            if (SparkSettings.present("io.delta.sql.DeltaSparkSessionExtension")) {
                sql.append(DELTA);
            }
            if (SparkSettings.present("org.apache.iceberg.spark.SparkCatalog")) {
                // a throwaway catalog of this session only, not the soal catalog's
                s.conf().set("spark.sql.catalog.soal_prime", "org.apache.iceberg.spark.SparkCatalog");
                s.conf().set("spark.sql.catalog.soal_prime.type", "hadoop");
                s.conf().set("spark.sql.catalog.soal_prime.warehouse", StagedIo.fileUri(dir.resolve("iceberg")));
                sql.append(ICEBERG);
            }
            String work = StagedIo.fileUri(dir.resolve("work"));
            RunnerArgs args = new RunnerArgs("soal-prime", null, "builtin:prime.sql", null, List.of(StagedIo.fileUri(input)), null,
                    Map.of("work", work.endsWith("/") ? work.substring(0, work.length() - 1) : work), null);
            s.sparkContext().setJobGroup("soal-prime", "soal: priming the environment", true);
            try {
                new JobRunner(uri -> new byte[0]).runSql(s, args, sql.toString(), RunControl.NONE);
            } finally {
                s.sparkContext().clearJobGroup();
                root.catalog().clearCache();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the priming job's data under " + dir, e);
        } finally {
            SparkLambdaHandler.deleteTree(dir);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Listings-like rows (the example job's columns), the same every time. */
    static void write(Path csv, int rows) throws IOException {
        String[] groups = {"Manhattan", "Brooklyn", "Queens", "Bronx", "Staten Island"};
        String[] rooms = {"Entire home/apt", "Private room", "Shared room", "Hotel room"};
        java.util.Random r = new java.util.Random(17);
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("id,name,host_id,neighbourhood_group,neighbourhood,latitude,longitude,room_type,price,minimum_nights,"
                    + "number_of_reviews,last_review,reviews_per_month,availability_365\n");
            for (int i = 1; i <= rows; i++) {
                String g = groups[r.nextInt(groups.length)];
                w.write(i + ",Listing " + i + "," + (1000 + r.nextInt(rows / 4)) + "," + g + "," + g + " " + r.nextInt(40) + ","
                        + String.format(java.util.Locale.ROOT, "%.5f,%.5f", 40.5 + r.nextDouble() / 2, -74.2 + r.nextDouble() / 2) + ","
                        + rooms[r.nextInt(rooms.length)] + "," + (30 + r.nextInt(400)) + "," + (1 + r.nextInt(30)) + ","
                        + r.nextInt(300) + ",2019-0" + (1 + r.nextInt(9)) + "-1" + r.nextInt(10) + ","
                        + String.format(java.util.Locale.ROOT, "%.2f", r.nextDouble() * 5) + "," + r.nextInt(366) + "\n");
            }
        }
    }
}
