package dev.soal.router.embedded;

import dev.soal.core.Json;
import dev.soal.policies.StreamPolicy;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A Kafka stream's event source mapping on the embedded default, polling as Lambda's does: a consumer in the stream's
 * group ({@code soal-<stream>}), batches of up to {@code batchSize} records gathered for up to the batching window,
 * one batch in flight, handed to the tier's runtime function synchronously through the local Lambda service as the
 * event Lambda sends ({@code SelfManagedKafka}). The function's answer decides: no failures, and the batch's offsets
 * are committed; {@code batchItemFailures} (or a function error), and the records from each named offset on are
 * retried, split in two first when the stream bisects on error, up to {@code maximumRetries} times (-1: until they
 * succeed, but at most 10 when there is an on-failure destination, as Lambda caps it); each split counts as a retry,
 * so isolating one record of a batch takes about log2(batchSize) of them. Then the failed records go to the
 * on-failure destination, an object per partition under {@code s3://soal-jobs/_streams/<stream>/failed/} shaped as
 * Lambda's record for it, and the mapping moves on. Nothing is committed before it is done or sent there.
 */
final class LocalKafkaMapping implements AutoCloseable {
    /** Lambda's cap on retries of a failed batch when retries are infinite and an on-failure destination is set. */
    static final int CAPPED_RETRIES = 10;

    private final StreamPolicy stream;
    private final String bootstrap;
    private final LocalLambdaService lambda;
    private final String function;
    private final S3Client s3;
    private final Consumer<String> output;
    private final Thread thread;
    private volatile boolean closed;

    LocalKafkaMapping(StreamPolicy stream, String bootstrap, LocalLambdaService lambda, String function, S3Client s3,
                      Consumer<String> output) {
        this.stream = stream;
        this.bootstrap = bootstrap;
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
     * Polls until closed. Whatever goes wrong with a batch (the broker, the store, an answer it cannot read) is said,
     * and the mapping starts again from the group's committed offsets a moment later: the batch is delivered again,
     * never skipped.
     */
    private void poll() {
        while (!closed) {
            try {
                consume();
            } catch (org.apache.kafka.common.errors.InterruptException | org.apache.kafka.common.errors.WakeupException e) {
                return; // closing
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                output.accept("stream " + stream.binding().name() + ": " + e + "; polling again from the committed offsets");
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void consume() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, stream.consumerGroup());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, stream.startingPosition().equals("LATEST") ? "latest" : "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, stream.batchSize());
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) TimeUnit.HOURS.toMillis(2));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(stream.binding().topic()));
            while (!closed) {
                List<ConsumerRecord<byte[], byte[]>> batch = gather(consumer);
                if (batch.isEmpty()) {
                    continue;
                }
                deliver(batch, 0);
                if (closed) {
                    return; // a batch cut short by closing is delivered again next time
                }
                Map<TopicPartition, OffsetAndMetadata> done = new LinkedHashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    done.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                            (a, b) -> a.offset() >= b.offset() ? a : b);
                }
                consumer.commitSync(done);
            }
        }
    }

    /** Up to batchSize records, polled until there are that many or the batching window has passed. */
    private List<ConsumerRecord<byte[], byte[]>> gather(KafkaConsumer<byte[], byte[]> consumer) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(stream.batchingWindowSeconds());
        do {
            Duration wait = Duration.ofMillis(Math.max(50, Math.min(500, (until - System.nanoTime()) / 1_000_000)));
            consumer.poll(wait).forEach(batch::add);
            if (batch.size() >= stream.batchSize()) {
                break;
            }
        } while (!closed && (batch.isEmpty() ? false : System.nanoTime() < until));
        if (batch.size() > stream.batchSize()) {
            // at most batchSize: what is over goes back, read again by the next batch
            Map<TopicPartition, Long> back = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : batch.subList(stream.batchSize(), batch.size())) {
                back.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
            }
            back.forEach(consumer::seek);
            batch = new ArrayList<>(batch.subList(0, stream.batchSize()));
        }
        return batch;
    }

    /** Invokes until the records succeed, or their retries are spent and they go to the on-failure destination. */
    private void deliver(List<ConsumerRecord<byte[], byte[]>> records, int attempt) {
        if (closed) {
            return;
        }
        List<ConsumerRecord<byte[], byte[]>> failed = invoke(records);
        if (failed.isEmpty()) {
            return;
        }
        int retries = stream.maximumRetries() == null || stream.maximumRetries() < 0 ? CAPPED_RETRIES : stream.maximumRetries();
        if (attempt >= retries) {
            Map<String, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>();
            failed.forEach(r -> byPartition.computeIfAbsent(r.topic() + "-" + r.partition(), k -> new ArrayList<>()).add(r));
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

    /** The records the function reports failed: each named partition's from its offset on; all of them on a function error. */
    private List<ConsumerRecord<byte[], byte[]>> invoke(List<ConsumerRecord<byte[], byte[]>> records) {
        LocalLambdaService.Result result;
        try {
            result = lambda.invoke(function, Json.write(event(records)), false).result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return List.of();
        } catch (java.util.concurrent.ExecutionException e) {
            output.accept("stream " + stream.binding().name() + ": the invocation failed: " + e.getCause());
            return records;
        }
        if (result.failed()) {
            output.accept("stream " + stream.binding().name() + ": " + function + " failed (" + result.functionError() + ")");
            return records;
        }
        Map<String, Long> from = new LinkedHashMap<>();
        Object answer = Json.read(result.payload(), Object.class);
        if (answer instanceof Map<?, ?> m && m.get("batchItemFailures") instanceof List<?> failures) {
            for (Object f : failures) {
                Object id = f instanceof Map<?, ?> fm ? fm.get("itemIdentifier") : null;
                if (!(id instanceof Map<?, ?> idm) || !(idm.get("partition") instanceof String tp) || !(idm.get("offset") instanceof Number off)) {
                    return records; // an identifier Lambda cannot read fails the whole batch
                }
                from.merge(tp, off.longValue(), Math::min);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> failed = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Long first = from.get(r.topic() + "-" + r.partition());
            if (first != null && r.offset() >= first) {
                failed.add(r);
            }
        }
        return failed;
    }

    /** The event Lambda sends for a self-managed Kafka batch: records by topic-partition, key and value in base64. */
    private Map<String, Object> event(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<Map<String, Object>>> byPartition = new TreeMap<>();
        Base64.Encoder b64 = Base64.getEncoder();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("topic", r.topic());
            m.put("partition", r.partition());
            m.put("offset", r.offset());
            m.put("timestamp", r.timestamp());
            m.put("timestampType", r.timestampType().name);
            if (r.key() != null) {
                m.put("key", b64.encodeToString(r.key()));
            }
            m.put("value", r.value() == null ? null : b64.encodeToString(r.value()));
            List<Map<String, List<Integer>>> headers = new ArrayList<>();
            for (Header h : r.headers()) {
                List<Integer> bytes = new ArrayList<>();
                for (byte b : h.value() == null ? new byte[0] : h.value()) {
                    bytes.add((int) b);
                }
                headers.add(Map.of(h.key(), bytes));
            }
            m.put("headers", headers);
            byPartition.computeIfAbsent(r.topic() + "-" + r.partition(), k -> new ArrayList<>()).add(m);
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("eventSource", "SelfManagedKafka");
        event.put("bootstrapServers", stream.binding().bootstrapServers());
        event.put("records", byPartition);
        return event;
    }

    /** Lambda's on-failure record for the records of one partition that used up their retries, an object each. */
    private void sendToFailureDestination(List<ConsumerRecord<byte[], byte[]>> failed, int attempts) {
        ConsumerRecord<byte[], byte[]> first = failed.get(0);
        ConsumerRecord<byte[], byte[]> last = failed.get(failed.size() - 1);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("batchSize", failed.size());
        info.put("topicPartition", first.topic() + "-" + first.partition());
        info.put("firstOffset", first.offset());
        info.put("lastOffset", last.offset());
        info.put("bootstrapServers", stream.binding().bootstrapServers());
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("requestContext", Map.of("functionArn", function, "condition", "RetryAttemptsExhausted",
                "approximateInvokeCount", attempts));
        record.put("version", "1.0");
        record.put("timestamp", Instant.now().toString());
        record.put("KafkaBatchInfo", info);
        String key = "_streams/" + stream.binding().name() + "/failed/" + first.topic() + "-" + first.partition() + "-"
                + first.offset() + "-" + last.offset() + ".json";
        s3.putObject(r -> r.bucket(EmbeddedStack.JOBS).key(key).contentType("application/json"), RequestBody.fromString(Json.write(record)));
        output.accept("stream " + stream.binding().name() + ": " + failed.size() + " record(s) of " + info.get("topicPartition")
                + " " + first.offset() + ".." + last.offset() + " failed " + attempts + " time(s): sent to s3://"
                + EmbeddedStack.JOBS + "/" + key);
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
