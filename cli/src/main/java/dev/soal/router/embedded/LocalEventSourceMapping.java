package dev.soal.router.embedded;

import dev.soal.core.Json;
import dev.soal.policies.StreamPolicy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What every event source mapping of the embedded default does with a batch, as Lambda's do: it hands the batch to the
 * stream's runtime function synchronously through the local Lambda service, as the event Lambda sends; no failures,
 * and the batch is done; {@code batchItemFailures} (or a function error), and the records from each named position on
 * are retried, split in two first when the stream bisects on error, up to {@code maximumRetries} times (-1: until
 * they succeed, but at most {@value #CAPPED_RETRIES} here, as Lambda caps Kafka's with an on-failure destination);
 * each split counts as a retry, so isolating one record of a batch takes about log2(batchSize) of them. Then the
 * failed records go to the on-failure destination, an object per partition under
 * {@code s3://soal-jobs/_streams/<stream>/failed/} shaped as Lambda's record for it, and the mapping moves on. A
 * source's subclass reads the records, shapes the event and reads the answer's identifiers, and keeps its position
 * only once a batch is done or sent there.
 *
 * @param <R> one record as the source reads it
 */
abstract class LocalEventSourceMapping<R> implements AutoCloseable {
    /** Lambda's cap on retries of a failed batch when retries are infinite and an on-failure destination is set. */
    static final int CAPPED_RETRIES = 10;

    protected final StreamPolicy stream;
    private final LocalLambdaService lambda;
    private final String function;
    private final S3Client s3;
    protected final Consumer<String> output;
    private final Thread thread;
    protected volatile boolean closed;

    LocalEventSourceMapping(StreamPolicy stream, LocalLambdaService lambda, String function, S3Client s3, Consumer<String> output) {
        this.stream = stream;
        this.lambda = lambda;
        this.function = function;
        this.s3 = s3;
        this.output = output;
        this.thread = new Thread(this::poll, "soal-mapping-" + stream.binding().name());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Reads batches and {@link #deliver}s each until closed, keeping the source's position only after a batch is
     * delivered; returns or throws to start again from the kept position.
     */
    protected abstract void consume() throws InterruptedException;

    /** The event Lambda sends for these records. */
    protected abstract Map<String, Object> event(List<R> records);

    /**
     * The records an answer's {@code batchItemFailures} (non-empty) name as failed, with everything after them in
     * their partition; all of them when an identifier is not one Lambda can read.
     */
    protected abstract List<R> failedFrom(List<R> records, List<?> batchItemFailures);

    /** The partition (topic-partition, shard) a record belongs to. */
    protected abstract String partition(R record);

    /** Lambda's record of a partition's records that used up their retries: the batch info's name, its fields, the object's name. */
    protected abstract FailedBatch failedBatch(List<R> failed);

    /** The part of the on-failure record that names the source's records, and the object it is kept in. */
    protected record FailedBatch(String infoName, Map<String, Object> info, String objectName, String describe) {
    }

    /**
     * Polls until closed. Whatever goes wrong with a batch (the source, the store, an answer it cannot read) is said,
     * and the mapping starts again from the kept position a moment later: the batch is delivered again, never skipped.
     */
    private void poll() {
        while (!closed) {
            try {
                consume();
            } catch (InterruptedException e) {
                return; // closing
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                output.accept("stream " + stream.binding().name() + ": " + e + "; polling again from the kept position");
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Invokes until the records succeed, or their retries are spent and they go to the on-failure destination. */
    protected final void deliver(List<R> records, int attempt) {
        if (closed) {
            return;
        }
        List<R> failed = invoke(records);
        if (failed.isEmpty()) {
            return;
        }
        int retries = stream.maximumRetries() == null || stream.maximumRetries() < 0 ? CAPPED_RETRIES : stream.maximumRetries();
        if (attempt >= retries) {
            Map<String, List<R>> byPartition = new TreeMap<>();
            failed.forEach(r -> byPartition.computeIfAbsent(partition(r), k -> new ArrayList<>()).add(r));
            byPartition.values().forEach(part -> sendToFailureDestination(part, attempt + 1));
            return;
        }
        if (stream.bisectOnError() && failed.size() > 1) {
            int half = failed.size() / 2;
            deliver(new ArrayList<>(failed.subList(0, half)), attempt + 1);
            deliver(new ArrayList<>(failed.subList(half, failed.size())), attempt + 1);
        } else {
            deliver(failed, attempt + 1);
        }
    }

    /** The records the function reports failed; all of them on a function error. */
    private List<R> invoke(List<R> records) {
        LocalLambdaService.Result result;
        try {
            result = lambda.invoke(function, Json.write(event(records)), false).result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return List.of();
        } catch (ExecutionException e) {
            output.accept("stream " + stream.binding().name() + ": the invocation failed: " + e.getCause());
            return records;
        }
        if (result.failed()) {
            output.accept("stream " + stream.binding().name() + ": " + function + " failed (" + result.functionError() + ")");
            return records;
        }
        Object answer = Json.read(result.payload(), Object.class);
        if (answer instanceof Map<?, ?> m && m.get("batchItemFailures") instanceof List<?> failures && !failures.isEmpty()) {
            return failedFrom(records, failures);
        }
        return List.of();
    }

    /** Lambda's on-failure record for the records of one partition that used up their retries, an object each. */
    private void sendToFailureDestination(List<R> failed, int attempts) {
        FailedBatch batch = failedBatch(failed);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("requestContext", Map.of("functionArn", function, "condition", "RetryAttemptsExhausted",
                "approximateInvokeCount", attempts));
        record.put("version", "1.0");
        record.put("timestamp", Instant.now().toString());
        record.put(batch.infoName(), batch.info());
        String key = "_streams/" + stream.binding().name() + "/failed/" + batch.objectName() + ".json";
        s3.putObject(r -> r.bucket(EmbeddedStack.JOBS).key(key).contentType("application/json"), RequestBody.fromString(Json.write(record)));
        output.accept("stream " + stream.binding().name() + ": " + failed.size() + " record(s) of " + batch.describe()
                + " failed " + attempts + " time(s): sent to s3://" + EmbeddedStack.JOBS + "/" + key);
    }

    protected S3Client s3() {
        return s3;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
