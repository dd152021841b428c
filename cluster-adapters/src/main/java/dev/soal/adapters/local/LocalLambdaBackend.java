package dev.soal.adapters.local;

import dev.soal.adapters.aws.Prices;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.Json;
import dev.soal.core.SoalException;
import dev.soal.core.SubmitOutcome;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The small path on the embedded stack: each job runs the real Lambda handler class
 * ({@code dev.soal.runtime.SparkLambdaHandler}) in its own JVM, as the Lambda service would: heap
 * from the chosen Lambda memory, a private /tmp, the 900 s limit, and the job as the payload. The
 * handler reports to the job store; this backend only knows whether the JVM is alive and how it ended.
 */
public final class LocalLambdaBackend implements JobBackend {
    /** Share of the function memory given to the heap (the rest: metaspace, threads, off-heap). */
    static final double HEAP_SHARE = 0.8;
    static final String MAIN = "dev.soal.runtime.LocalLambdaMain";

    private final RuntimeArtifacts artifacts;
    private final S3Settings s3;
    private final String jobStore;
    private final Path workDir;
    private final LocalProcesses processes;
    private final Consumer<String> output;
    private final Duration timeout;

    public LocalLambdaBackend(RuntimeArtifacts artifacts, S3Settings s3, String jobStore, Path workDir,
                              LocalProcesses processes, Consumer<String> output) {
        this(artifacts, s3, jobStore, workDir, processes, output, Duration.ofSeconds(900));
    }

    public LocalLambdaBackend(RuntimeArtifacts artifacts, S3Settings s3, String jobStore, Path workDir,
                              LocalProcesses processes, Consumer<String> output, Duration timeout) {
        this.artifacts = artifacts;
        this.s3 = s3;
        this.jobStore = jobStore;
        this.workDir = workDir;
        this.processes = processes;
        this.output = output;
        this.timeout = timeout;
    }

    @Override
    public Backend kind() {
        return Backend.LAMBDA;
    }

    @Override
    public SubmitOutcome submit(JobRecord job) {
        if (processes.alive(job.id())) {
            return new SubmitOutcome.Accepted(handle(job), "ALREADY_STARTED");
        }
        artifacts.requireBuilt();
        int memoryMb = job.decision().lambdaMemoryMb();
        Path dir = workDir.resolve("lambda").resolve(job.id());
        Path tmp = dir.resolve("tmp");
        Path payload = dir.resolve("payload.json");
        try {
            Files.createDirectories(tmp);
            Files.writeString(payload, Json.write(Map.of("job", job)));
        } catch (IOException e) {
            throw new SoalException("cannot prepare the local Lambda for job " + job.id() + " under " + dir, e, false);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(RuntimeArtifacts.javaExecutable());
        cmd.add("-Xmx" + (int) (memoryMb * HEAP_SHARE) + "m");
        cmd.addAll(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        cmd.add("-Dlog4j2.configurationFile=" + artifacts.sparkHome().resolve("conf").resolve("log4j2.properties").toUri());
        cmd.add("-cp");
        cmd.add(artifacts.runnerJar() + java.io.File.pathSeparator + artifacts.sparkClasspath());
        cmd.add(MAIN);
        cmd.add(payload.toString());
        Map<String, String> env = new LinkedHashMap<>(s3.toEnvironment());
        env.put("SOAL_JOB_STORE", jobStore);
        env.put("SOAL_TMP_DIR", tmp.toString());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", String.valueOf(memoryMb));
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        processes.start(job.id(), cmd, env, dir.resolve("lambda.log"), timeout, output);
        return new SubmitOutcome.Accepted(handle(job), "INVOKED");
    }

    private static String handle(JobRecord job) {
        return "local-lambda:" + job.id();
    }

    @Override
    public boolean runtimeReportsProgress() {
        return true;
    }

    /** A JVM claims its job within seconds; past this the submit is taken as lost and made again. */
    @Override
    public Duration startLease() {
        return Duration.ofMinutes(2);
    }

    /** The JVM's state; once it has ended, what the run would cost on Lambda at the same memory. */
    @Override
    public BackendStatus status(JobRecord job) {
        BackendStatus s = processes.status(job, "local Lambda JVM");
        if (s.state().isTerminal() && job.durationMillis() != null) {
            return new BackendStatus(s.state(), s.nativeState(), s.message(),
                    Prices.lambda(job.decision().lambdaMemoryMb(), job.durationMillis()));
        }
        return s;
    }

    @Override
    public void cancel(JobRecord job) {
        processes.cancel(job.id());
    }
}
