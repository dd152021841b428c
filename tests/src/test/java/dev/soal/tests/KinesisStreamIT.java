package dev.soal.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.cdk.SoalApp;
import dev.soal.core.Json;
import dev.soal.router.serve.ServeProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Kinesis stream end to end on the embedded default, on a real Kinesis API (kinesis-mock, which {@code soal serve}
 * runs): records sent with {@code soal produce} reach the runtime function through the stream's local event source
 * mapping and the local Lambda service, each batch a job in {@code GET /jobs}, and land in an Iceberg table exactly
 * once. A poison record is retried and bisected until it is alone, and ends in the on-failure destination while
 * every other record commits once. {@code soal serve} started again goes on after the shard's checkpoint. Then the
 * checkpoint is lost and {@code soal serve} starts again: every
 * batch is delivered a second time; those that succeeded find their jobs and run nothing, the poison record's run
 * and fail again, and the table stays as it was.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class KinesisStreamIT {
    private static final Path ROOT = StreamChecks.ROOT;

    @Test
    void recordsLandOnce_aPoisonRecordIsBisectedOut_andRedeliveredBatchesCommitNothingAgain() throws Exception {
        // as the stack's tests: in CI a missing Node.js fails this test; elsewhere (only a JDK and Maven) it is skipped
        if (SoalApp.nodeRequired()) {
            assertThat(SoalApp.nodeAvailable()).as("the embedded Kinesis server runs on Node.js (node on the PATH)").isTrue();
        }
        Assumptions.assumeTrue(SoalApp.nodeAvailable(), "the embedded Kinesis server runs on Node.js");
        Path home = Files.createTempDirectory("soal-kinesis-it");
        Path stack = home.resolve("stack");
        Path policies = StreamChecks.policies(home, "kinesis: arn:aws:kinesis:eu-west-1:111122223333:stream/checked\n");
        List<String> args = StreamChecks.serveArgs(home, policies);
        String shard = "shardId-000000000000";
        String checkpointKey = "_streams/checked/checkpoints/" + shard + ".json";
        String lastSequence;
        try (ServeProcess serve = ServeProcess.start(ROOT, stack, null, args)) {
            assertThat(serve.output()).contains("kinesis server at http://127.0.0.1:")
                    .contains("stream checked: kinesis stream checked -> soal-runtime-2048");
            produce(home, stack, policies, StreamChecks.tenWithAPoisonAt7());
            // [0..9] fails, then [0..4] and [5..9], [5,6] and [7..9], [7] and [8,9]; [7] goes
            JsonNode jobs = StreamChecks.await(serve, j -> StreamChecks.count(j, "SUCCEEDED") >= 3 && StreamChecks.count(j, "FAILED") >= 4,
                    "the bisected batches");
            try (S3Client s3 = s3(serve)) {
                List<String> failed = StreamChecks.awaitObjects(s3, "_streams/checked/failed/", serve);
                assertThat(failed).hasSize(1);
                JsonNode record = Json.mapper().readTree(s3.getObjectAsBytes(r -> r.bucket("soal-jobs").key(failed.get(0))).asUtf8String());
                JsonNode info = record.path("KinesisBatchInfo");
                assertThat(info.path("shardId").asText()).isEqualTo(shard);
                assertThat(info.path("batchSize").asInt()).isEqualTo(1);
                assertThat(info.path("startSequenceNumber").asText()).isEqualTo(info.path("endSequenceNumber").asText()).isNotBlank();
                assertThat(info.path("streamArn").asText()).isEqualTo("arn:aws:kinesis:eu-west-1:111122223333:stream/checked");
                assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
                assertThat(jobs.path("jobs").toString()).contains(shard).contains("(10 records)").contains("not a reading");
                assertThat(StreamChecks.table(serve, s3)).isEqualTo("9,9,38");

                // more records after it: the mapping went on past the poison record, and nothing is committed twice
                produce(home, stack, policies, List.of("{\"id\":10}", "{\"id\":11}", "{\"id\":12}"));
                StreamChecks.await(serve, j -> j.path("jobs").toString().contains("(3 records)") && StreamChecks.count(j, "SUCCEEDED") >= 4,
                        "the next batch");
                assertThat(StreamChecks.table(serve, s3)).isEqualTo("12,12,71");
            }
        }
        try (ServeProcess serve = ServeProcess.start(ROOT, stack, null, args); S3Client s3 = s3(serve)) {
            // started again with its checkpoint, the mapping goes on after it: only the new record is delivered
            long before = jobsWith(serve, "(10 records)");
            produce(home, stack, policies, List.of("{\"id\":13}"));
            StreamChecks.await(serve, j -> j.path("jobs").toString().contains("(1 record)") && StreamChecks.count(j, "SUCCEEDED") >= 5,
                    "the batch after the checkpoint");
            assertThat(jobsWith(serve, "(10 records)")).as("batches before the checkpoint delivered again").isEqualTo(before);
            assertThat(StreamChecks.table(serve, s3)).isEqualTo("13,13,84");
            // the checkpoint is lost: the next mapping reads the shard from its start again
            lastSequence = checkpoint(s3, checkpointKey);
            s3.deleteObject(r -> r.bucket("soal-jobs").key(checkpointKey));
        }
        try (ServeProcess serve = ServeProcess.start(ROOT, stack, null, args); S3Client s3 = s3(serve)) {
            // every batch again, the poison record's bisected out again, up to the last record's sequence number
            for (int i = 0; i < 600 && !lastSequence.equals(checkpointOrNull(s3, checkpointKey)); i++) {
                Thread.sleep(1000);
            }
            assertThat(checkpointOrNull(s3, checkpointKey)).as(serve.output()).isEqualTo(lastSequence);
            // a batch that succeeded finds its job when delivered again and runs nothing: one job for records 10 to 12
            JsonNode page = Json.mapper().readTree(StreamChecks.get(serve, "/jobs?limit=100"));
            long runs = 0;
            for (JsonNode j : page.path("jobs")) {
                runs += j.toString().contains("(3 records)") && j.path("state").asText().equals("SUCCEEDED") ? 1 : 0;
            }
            assertThat(runs).as(page.toString()).isEqualTo(1);
            assertThat(StreamChecks.table(serve, s3)).isEqualTo("13,13,84");
        }
    }

    /** How many of the stream's jobs name {@code text} (a batch's record count, say). */
    private static long jobsWith(ServeProcess serve, String text) throws Exception {
        long n = 0;
        for (JsonNode j : Json.mapper().readTree(StreamChecks.get(serve, "/jobs?limit=100")).path("jobs")) {
            n += j.path("tags").path("stream").asText().equals("checked") && j.path("reasons").toString().contains(text) ? 1 : 0;
        }
        return n;
    }

    private static String checkpoint(S3Client s3, String key) throws Exception {
        return Json.mapper().readTree(s3.getObjectAsBytes(r -> r.bucket("soal-jobs").key(key)).asUtf8String()).path("sequenceNumber").asText();
    }

    private static String checkpointOrNull(S3Client s3, String key) throws Exception {
        try {
            return checkpoint(s3, key);
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return null;
        }
    }

    private static S3Client s3(ServeProcess serve) {
        return S3Clients.create(new S3Settings(S3Settings.DEFAULT_REGION, serve.s3(), "soal-local", "soal-local-secret"));
    }

    /** {@code soal produce} as a user runs it, against the Kinesis server of the stack in {@code stack}. */
    private static void produce(Path home, Path stack, Path policies, List<String> values) throws Exception {
        Path file = Files.write(Files.createTempFile(home, "records", ".jsonl"), values);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsoal.home=" + ROOT, "-cp", System.getProperty("java.class.path"), "dev.soal.router.cli.SoalCli", "produce",
                "--home", stack.toString(), "--policy", policies.toString(), "--stream", "checked", "--file", file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("sent " + values.size() + " record(s) to Kinesis stream checked");
    }
}
