package dev.soal.runtime;

import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.JobStore;
import dev.soal.core.RunnerArgs;
import dev.soal.core.S3Uri;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * The cluster entry point of the runner jar: spark-submit (standalone), EMR Serverless
 * ({@code entryPoint} + {@code --class}) and Glue ({@code --class}) all start here with {@link RunnerArgs}.
 * The session comes from the cluster; with an S3-compatible endpoint set ({@code SOAL_S3_ENDPOINT}) the
 * s3a settings are added, otherwise the cluster's own S3 file system is left alone.
 */
public final class RunnerMain {
    private RunnerMain() {
    }

    public static void main(String[] args) {
        RunnerArgs job = RunnerArgs.parse(args);
        RuntimeConfig config = RuntimeConfig.fromEnvironment(System.getenv());
        S3Client s3 = S3Clients.create(config.s3());
        Optional<JobStore> store = Optional.ofNullable(job.jobStore()).map(u -> new S3JobStore(s3, S3Uri.parse(u)));
        Clock clock = Clock.systemUTC();
        JobReporter reporter = new JobReporter(store, job.jobId(), clock);
        long start = clock.millis();
        SparkSession.Builder builder = SparkSession.builder().appName("soal-" + job.jobId());
        if (config.s3().endpoint() != null) {
            SparkSettings.s3a(config.s3()).forEach(builder::config);
        }
        SparkSession spark = builder.getOrCreate();
        String where = "cluster " + spark.sparkContext().master();
        if (!reporter.running(where)) {
            System.out.println("job " + job.jobId() + " has already ended; not running it again");
            return;
        }
        try {
            JobRunner.Result r = new JobRunner(s3).run(spark, job, Path.of(config.tmp().toString(), "soal-job-" + job.jobId()));
            if (!r.printed().isEmpty()) {
                System.out.print(r.printed());
            }
            long took = clock.millis() - start;
            reporter.succeeded(took, "ran " + r.statements() + " statement(s) in " + took + " ms on " + where);
        } catch (Exception | LinkageError e) {
            long took = clock.millis() - start;
            reporter.failed(took, e.getMessage() == null ? e.toString() : e.getMessage());
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
        } finally {
            spark.stop();
        }
    }
}
