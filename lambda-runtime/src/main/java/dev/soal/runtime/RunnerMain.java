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
        // the catalog the router gave this run, else the one of the runner's environment
        SparkSettings.tables(job.tables().catalog() != null ? job.tables() : config.tables()).forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        String where = "cluster " + spark.sparkContext().master();
        reporter.inApplication(spark.sparkContext().applicationId());
        if (reporter.claim(where) != dev.soal.core.RuntimeAttempts.Claim.RUN) {
            System.out.println("job " + job.jobId() + " has ended or another attempt holds it; not running it again");
            spark.stop();
            return;
        }
        spark.sparkContext().setJobGroup(job.jobId(), "soal job " + job.jobId(), true);
        // renews the attempt's lease while the job runs, and stops it when it is cancelled
        try (CancellationWatcher watcher = store.isPresent()
                ? new CancellationWatcher(reporter, job.jobId(), spark.sparkContext(), CancellationWatcher.DEFAULT_INTERVAL) : null;
             UsageMeter meter = new UsageMeter(spark.sparkContext(), config.tmp())) {
            RunFlow.Outcome o = RunFlow.run(job.jobId(), reporter, watcher, clock, start, where, null, meter, () -> new RunFlow.Ran(
                    new JobRunner(s3).run(spark, job, Path.of(config.tmp().toString(), "soal-job-" + job.jobId()),
                            watcher == null ? RunControl.NONE : watcher), ""));
            if (o.failure() != null) {
                // the cluster's own state must say FAILED too (EMR Serverless, Glue): the driver ends with the failure
                throw o.failure() instanceof RuntimeException re ? re : new IllegalStateException(o.message(), o.failure());
            }
        } finally {
            spark.stop();
        }
    }
}
