package dev.soal.tests;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.Json;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.embedded.LambdaSandbox;
import dev.soal.router.embedded.LocalLambdaService;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the runtime ITs share: the embedded S3 with the stack's buckets, the job store, and a local Lambda
 * service whose one function ({@link #FUNCTION}) runs the real runtime in the sandbox this machine allows.
 * Jobs are recorded in the store as the router would, then invoked as the router's Lambda adapter would.
 */
final class RuntimeFixture implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    static final String STORE = "s3://soal-jobs/";
    static final String FUNCTION = "soal-runtime-2048";

    final Path home;
    final LambdaSandbox sandbox = LambdaSandbox.detect();
    final EmbeddedS3 server;
    final S3Client s3;
    final S3JobStore store;
    final LocalLambdaService lambda;

    RuntimeFixture(String name, int concurrency) throws IOException {
        home = Files.createTempDirectory(name);
        server = EmbeddedS3.start(home.resolve("s3"));
        s3 = S3Clients.create(server.settings());
        for (String b : List.of(EmbeddedStack.JOBS, EmbeddedStack.DATA, EmbeddedStack.SCRIPTS, EmbeddedStack.OUTPUT)) {
            s3.createBucket(r -> r.bucket(b));
        }
        store = new S3JobStore(s3, S3Uri.parse(STORE));
        System.out.println("sandbox: " + sandbox.describe());
        lambda = LocalLambdaService.start(EmbeddedStack.lambdaRuntime(RuntimeArtifacts.inCheckout(ROOT).requireBuilt(),
                        server.settings(), STORE), LocalLambdaService.Settings.defaults().withConcurrency(concurrency),
                home.resolve("lambda"), sandbox, line -> System.out.println("  " + line),
                record -> System.out.println("  on-failure: " + record));
        lambda.register(new LocalLambdaService.Function(FUNCTION, 2048, Duration.ofMinutes(5), RuntimeArtifacts.LAMBDA_HANDLER));
    }

    void put(String bucket, String key, String content) {
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    /** A QUEUED job on the Lambda path, recorded in the store; its output is {@code outputPrefix<id>/}. */
    JobRecord record(String script, String input, String outputPrefix, Map<String, String> args) {
        Instant now = Instant.now();
        String id = JobIds.next(now);
        JobRecord job = JobRecord.queued(id, new JobRequest(script, null, List.of(input), outputPrefix + id + "/", args,
                        null, null, null),
                new Measurement(4, 1, 0), new RoutingDecision(Backend.LAMBDA, 2048, List.of("test")), now);
        store.create(job, null);
        return job;
    }

    /** One delivery of the job's payload: an Event invocation of the runtime function. */
    LocalLambdaService.Invocation deliver(JobRecord job) {
        return lambda.invoke(FUNCTION, Json.write(Map.of("job", job)), true);
    }

    /** Waits for the invocation's answer, which must not be a function error. */
    static void awaitAnswer(LocalLambdaService.Invocation invocation) throws Exception {
        LocalLambdaService.Result r = invocation.result().get(4, TimeUnit.MINUTES);
        assertThat(r.failed()).as(r.payload()).isFalse();
    }

    /** Delivers the job, waits for the answer, and returns the job as the store has it then. */
    JobRecord run(JobRecord job) throws Exception {
        awaitAnswer(deliver(job));
        return store.get(job.id()).orElseThrow();
    }

    @Override
    public void close() {
        lambda.close();
        s3.close();
        server.close();
    }
}
