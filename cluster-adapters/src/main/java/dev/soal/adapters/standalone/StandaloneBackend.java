package dev.soal.adapters.standalone;

import dev.soal.adapters.local.LocalProcesses;
import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.TableSettings;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.RunnerArgs;
import dev.soal.core.SubmitOutcome;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The large path on the embedded stack: spark-submit of the runner jar to a {@link StandaloneCluster},
 * in client mode, so the driver is a local process this backend watches. The runner reports to the job
 * store; a driver that dies without reporting is FAILED with the end of its log.
 */
public final class StandaloneBackend implements JobBackend {
    static final String RUNNER_MAIN = "dev.soal.runtime.RunnerMain";

    private final Supplier<StandaloneCluster> cluster;
    private final S3Settings s3;
    private final TableSettings tables;
    private final String jobStore;
    private final Path workDir;
    private final LocalProcesses processes;
    private final Consumer<String> output;
    private final Duration timeout;

    /** {@code cluster} is asked for on first submit, so a router that never needs it never starts it. */
    public StandaloneBackend(Supplier<StandaloneCluster> cluster, S3Settings s3, TableSettings tables, String jobStore, Path workDir,
                             LocalProcesses processes, Consumer<String> output, Duration timeout) {
        this.cluster = cluster;
        this.s3 = s3;
        this.tables = tables;
        this.jobStore = jobStore;
        this.workDir = workDir;
        this.processes = processes;
        this.output = output;
        this.timeout = timeout;
    }

    @Override
    public Backend kind() {
        return Backend.STANDALONE;
    }

    @Override
    public SubmitOutcome submit(JobRecord job) {
        String handle = "standalone:" + job.id();
        if (processes.alive(job.id())) {
            return new SubmitOutcome.Accepted(handle, "ALREADY_SUBMITTED");
        }
        StandaloneCluster c = cluster.get();
        RuntimeArtifacts a = c.artifacts();
        List<String> cmd = new ArrayList<>();
        cmd.add(RuntimeArtifacts.javaExecutable());
        cmd.add("-Xmx1g");
        cmd.addAll(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        cmd.add("-cp");
        cmd.add(a.sparkClasspath());
        cmd.add("org.apache.spark.deploy.SparkSubmit");
        cmd.addAll(List.of("--master", c.masterUrl(), "--deploy-mode", "client",
                "--name", "soal-" + job.id(),
                "--class", RUNNER_MAIN,
                "--conf", "spark.executor.extraJavaOptions=" + a.sparkJavaOptionsLine(),
                "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executor.memory=1g",
                "--conf", "spark.sql.adaptive.enabled=true",
                "--conf", "spark.sql.shuffle.partitions=8"));
        cmd.add(a.runnerJar().toString());
        // the catalog goes on the runner's command line, as on EMR Serverless and Glue
        cmd.addAll(RunnerArgs.of(job, jobStore, tables).toArgs());
        Map<String, String> env = new LinkedHashMap<>(StandaloneCluster.sparkEnvironment(a));
        env.putAll(s3.toEnvironment());
        env.put("SOAL_TMP_DIR", workDir.resolve("standalone").resolve(job.id()).resolve("tmp").toString());
        processes.start(job.id(), cmd, env, workDir.resolve("standalone").resolve(job.id()).resolve("driver.log"),
                timeout, output);
        return new SubmitOutcome.Accepted(handle, "SUBMITTED");
    }

    @Override
    public boolean runtimeReportsProgress() {
        return true;
    }

    /** A JVM claims its job within seconds; past this the submit is taken as lost and made again. */
    @Override
    public Duration startLease() {
        return Duration.ofMinutes(5);
    }

    @Override
    public BackendStatus status(JobRecord job) {
        return processes.status(job, "spark-submit driver");
    }

    @Override
    public void cancel(JobRecord job) {
        processes.cancel(job.id());
    }
}
