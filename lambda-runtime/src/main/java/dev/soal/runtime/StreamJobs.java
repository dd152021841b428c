package dev.soal.runtime;

import dev.soal.core.Backend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import dev.soal.core.StreamBinding;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A stream batch is a job. The event source mapping's event is kept next to the job store
 * ({@code streams/<identity>/event.json}: a batch may be 6 MB, too much for a job record or a command line) and the
 * batch is recorded as a job whose idempotency key is the batch's identity ({@link StreamBatch#identity()}) under its
 * stream and script, and its delivery: {@code stream-<hash>-<n>}, the n-th job of the batch. A redelivery finds the batch's jobs: a SUCCEEDED one
 * means the batch is done and nothing runs; a job that has not ended is claimed as any job is (so one attempt runs
 * at a time); when every job of the batch ended otherwise (the batch failed before), the next one is recorded and
 * run. Whatever runs, the commits to Iceberg tables are once per batch ({@link BatchCommits}). The mapping's answer:
 * no {@code batchItemFailures} when the batch's job SUCCEEDED; otherwise the invocation fails (a function error), so
 * Lambda retries the batch and, with {@code BisectBatchOnFunctionError}, splits it in two first: that is how a poison
 * record ends alone in the on-failure destination. A partial batch response would not do it: a batch commits whole or
 * not at all, so its first failed record is its first record, and Lambda splits a partial failure only at the record it
 * names.
 */
final class StreamJobs {
    /** Deliveries of one batch looked through before giving up (Lambda retries a batch at most 10,000 times). */
    static final int MAX_DELIVERIES = 10_001;

    private final List<StreamBinding> bindings;
    private final JobStore store;
    private final S3Uri storeRoot;
    private final BiConsumer<S3Uri, byte[]> put;
    private final Clock clock;
    private final int memoryMb;

    StreamJobs(List<StreamBinding> bindings, JobStore store, S3Uri storeRoot, BiConsumer<S3Uri, byte[]> put, Clock clock,
               int memoryMb) {
        this.bindings = bindings;
        this.store = store;
        this.storeRoot = storeRoot;
        this.put = put;
        this.clock = clock;
        this.memoryMb = memoryMb;
    }

    /**
     * Records the batch's job (or finds it), runs it with {@code run} unless it is done, and gives the answer the
     * mapping expects.
     */
    Map<String, Object> handle(StreamBatch batch, String event, Function<JobRecord, JobState> run) {
        StreamBinding binding = batch.bindingIn(bindings);
        String identity = batch.identity();
        byte[] json = event.getBytes(StandardCharsets.UTF_8);
        S3Uri eventUri = storeRoot.resolve("streams/" + identity + "/event.json");
        put.accept(eventUri, json);
        // the stream and its script are part of the job's key: the same records under another script are other work
        String work = dev.soal.core.Hashes.sha256(binding.name() + "|" + binding.script() + "|" + binding.mainClass() + "|" + identity);
        for (int n = 1; n <= MAX_DELIVERIES; n++) {
            String key = "stream-" + work + "-" + n;
            JobRecord job = record(batch, binding, eventUri, key, json.length);
            JobRecord found = store.create(job, key).job();
            if (found.state() == JobState.SUCCEEDED) {
                System.out.println("stream " + binding.name() + ": batch " + batch.describeSpans() + " is done (job "
                        + found.id() + "): not run again");
                return StreamBatch.doneResponse();
            }
            if (found.state().isTerminal()) {
                continue; // an earlier delivery failed: this one is the next job of the batch
            }
            JobState ended = run.apply(found);
            JobRecord now = store.get(found.id()).orElse(found);
            // the job's own state may have moved on (another attempt held it and finished)
            if (ended == JobState.SUCCEEDED || now.state() == JobState.SUCCEEDED) {
                return StreamBatch.doneResponse();
            }
            throw new SoalException("stream " + binding.name() + ": batch " + batch.describeSpans() + " failed (job " + found.id()
                    + ", " + now.state() + "): " + now.message() + "; the mapping retries it, bisecting it if the stream says so,"
                    + " and then sends it to its on-failure destination", false);
        }
        throw new IllegalStateException("batch " + batch.describeSpans() + " has had " + MAX_DELIVERIES + " jobs");
    }

    private JobRecord record(StreamBatch batch, StreamBinding binding, S3Uri eventUri, String key, long bytes) {
        JobRequest request = new JobRequest(binding.script(), binding.mainClass(), List.of(eventUri.toString()), null,
                binding.arguments(), Map.of("stream", binding.name(), "source", batch.source()), key, null, Map.of(),
                eventUri.toString());
        RoutingDecision decision = new RoutingDecision(Backend.LAMBDA, memoryMb, List.of("stream " + binding.name() + ": "
                + batch.describeSource() + ", " + batch.describeSpans() + " -> lambda " + memoryMb
                + " MB (the stream's event source mapping invokes its tier's runtime function)"));
        return JobRecord.queued(JobIds.next(clock.instant()), request, new Measurement(bytes, 1, 0),
                decision, clock.instant());
    }
}
