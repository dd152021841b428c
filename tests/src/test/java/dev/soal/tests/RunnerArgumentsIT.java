package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.adapters.emr.EmrServerlessBackend;
import dev.soal.adapters.glue.GlueBackend;
import dev.soal.core.Backend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import dev.soal.policies.Policies;
import dev.soal.embedded.s3.EmbeddedS3;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exact argument arrays EMR Serverless and Glue pass to the runner's main class (built from the
 * requests the backends send), fed to {@code RunnerMain} on local Spark: the job runs and reports.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RunnerArgumentsIT {
    private static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    private static EmbeddedS3 server;
    private static S3Client s3;
    private static S3JobStore store;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedS3.start(Files.createTempDirectory("soal-args-s3"));
        s3 = S3Clients.create(server.settings());
        for (String b : List.of("soal-jobs", "soal-data", "soal-scripts", "soal-output")) {
            s3.createBucket(r -> r.bucket(b));
        }
        s3.putObject(r -> r.bucket("soal-data").key("cities.csv"), RequestBody.fromString("city,n\nOslo,1\nLima,2\nOslo,3\n"));
        s3.putObject(r -> r.bucket("soal-scripts").key("sum.sql"), RequestBody.fromString("""
                CREATE TEMPORARY VIEW c (city STRING, n INT) USING csv OPTIONS (path '${input}', header 'true');
                INSERT OVERWRITE DIRECTORY '${output}' USING csv
                  SELECT city, sum(n) * ${factor} AS total, '${label}' AS label FROM c GROUP BY city ORDER BY city;
                """));
        store = new S3JobStore(s3, S3Uri.parse("s3://soal-jobs/"));
    }

    @AfterAll
    static void stop() {
        s3.close();
        server.close();
    }

    private static JobRecord job(Backend backend, String out) {
        Instant now = Instant.now();
        JobRecord job = JobRecord.queued(JobIds.next(now), new JobRequest("s3://soal-scripts/sum.sql", null,
                List.of("s3://soal-data/cities.csv"), out, Map.of("factor", "10", "label", "a label; with a semicolon"),
                null, null, "{\"k\": \"v\"}"), new Measurement(30, 1, 0), new RoutingDecision(backend, 0, List.of("test")), now);
        store.create(job, null);
        return job;
    }

    @Test
    void emrServerlessEntryPointArguments_runTheJob() throws Exception {
        JobRecord job = job(Backend.EMR_SERVERLESS, "s3://soal-output/emr/");
        EmrServerlessBackend emr = new EmrServerlessBackend(null, new EmrServerlessBackend.Config("app",
                "arn:aws:iam::1:role/r", "s3://a/soal-runner.jar", null, "s3://soal-jobs/", Policies.EmrPolicy.ofDefaults()), null);
        List<String> args = emr.startRequest(job).jobDriver().sparkSubmit().entryPointArguments();

        runRunnerMain(args, job.id());

        assertThat(outputLines("emr/")).containsExactly("Lima,20,a label; with a semicolon", "Oslo,40,a label; with a semicolon");
        assertThat(store.get(job.id()).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void glueArguments_withGluesOwnFlags_runTheJob() throws Exception {
        JobRecord job = job(Backend.GLUE, "s3://soal-output/glue/");
        GlueBackend glue = new GlueBackend(null, new GlueBackend.Config("soal-runner", "s3://soal-jobs/",
                Policies.GluePolicy.ofDefaults()), null);
        // Glue passes its own flags first, then each argument of the run as --key value
        List<String> args = new ArrayList<>(List.of("--JOB_ID", "j_0123456789abcdef", "--JOB_RUN_ID", "jr_0123456789abcdef",
                "--job-bookmark-option", "job-bookmark-disable", "--JOB_NAME", "soal-runner",
                "--TempDir", "s3://aws-glue-assets-123456789012-us-east-1/temporary/", "--enable-glue-datacatalog"));
        glue.startRequest(job).arguments().forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });

        runRunnerMain(args, job.id());

        assertThat(outputLines("glue/")).containsExactly("Lima,20,a label; with a semicolon", "Oslo,40,a label; with a semicolon");
        assertThat(store.get(job.id()).orElseThrow().history()).extracting(h -> h.state())
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
    }

    private static void runRunnerMain(List<String> args, String jobId) throws Exception {
        RuntimeArtifacts a = RuntimeArtifacts.inCheckout(ROOT).requireBuilt();
        List<String> cmd = new ArrayList<>(List.of(RuntimeArtifacts.javaExecutable(), "-Xmx1g", "-Dspark.master=local[1]",
                "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1"));
        cmd.addAll(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        cmd.addAll(List.of("-cp", a.runnerJar() + File.pathSeparator + a.sparkClasspath(), "dev.soal.runtime.RunnerMain"));
        cmd.addAll(args);
        Path log = Files.createTempFile("runner-" + jobId, ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(server.settings().toEnvironment());
        pb.environment().put("SOAL_TMP_DIR", Files.createTempDirectory("runner-tmp").toString());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    }

    private static List<String> outputLines(String prefix) {
        return s3.listObjectsV2(r -> r.bucket("soal-output").prefix(prefix)).contents().stream()
                .filter(o -> o.key().endsWith(".csv"))
                .flatMap(o -> s3.getObjectAsBytes(r -> r.bucket("soal-output").key(o.key())).asUtf8String().lines())
                .sorted().toList();
    }
}
