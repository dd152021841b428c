package dev.soal.router.embedded;

import dev.soal.policies.StreamPolicy;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Duration;
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
 * one batch in flight, delivered as the event Lambda sends ({@code SelfManagedKafka}) with
 * {@link LocalEventSourceMapping}'s retries; the batch's offsets are committed to the group only once it is done or
 * sent to the on-failure destination.
 */
final class LocalKafkaMapping extends LocalEventSourceMapping<ConsumerRecord<byte[], byte[]>> {
    private final String bootstrap;

    LocalKafkaMapping(StreamPolicy stream, String bootstrap, LocalLambdaService lambda, String function, S3Client s3,
                      Consumer<String> output) {
        super(stream, lambda, function, s3, output);
        this.bootstrap = bootstrap;
    }

    @Override
    protected void consume() throws InterruptedException {
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
        } catch (org.apache.kafka.common.errors.InterruptException | org.apache.kafka.common.errors.WakeupException e) {
            throw new InterruptedException("closing");
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

    /** Each named partition's records from its offset on: identifiers are {@code {"partition": "<topic>-<n>", "offset": n}}. */
    @Override
    protected List<ConsumerRecord<byte[], byte[]>> failedFrom(List<ConsumerRecord<byte[], byte[]>> records, List<?> failures) {
        Map<String, Long> from = new LinkedHashMap<>();
        for (Object f : failures) {
            Object id = f instanceof Map<?, ?> fm ? fm.get("itemIdentifier") : null;
            if (!(id instanceof Map<?, ?> idm) || !(idm.get("partition") instanceof String tp) || !(idm.get("offset") instanceof Number off)) {
                return records; // an identifier Lambda cannot read fails the whole batch
            }
            from.merge(tp, off.longValue(), Math::min);
        }
        List<ConsumerRecord<byte[], byte[]>> failed = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Long first = from.get(partition(r));
            if (first != null && r.offset() >= first) {
                failed.add(r);
            }
        }
        return failed;
    }

    @Override
    protected String partition(ConsumerRecord<byte[], byte[]> r) {
        return r.topic() + "-" + r.partition();
    }

    /** The event Lambda sends for a self-managed Kafka batch: records by topic-partition, key and value in base64. */
    @Override
    protected Map<String, Object> event(List<ConsumerRecord<byte[], byte[]>> records) {
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
            byPartition.computeIfAbsent(partition(r), k -> new ArrayList<>()).add(m);
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("eventSource", "SelfManagedKafka");
        event.put("bootstrapServers", stream.binding().bootstrapServers());
        event.put("records", byPartition);
        return event;
    }

    @Override
    protected FailedBatch failedBatch(List<ConsumerRecord<byte[], byte[]>> failed) {
        ConsumerRecord<byte[], byte[]> first = failed.get(0);
        ConsumerRecord<byte[], byte[]> last = failed.get(failed.size() - 1);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("batchSize", failed.size());
        info.put("topicPartition", partition(first));
        info.put("firstOffset", first.offset());
        info.put("lastOffset", last.offset());
        info.put("bootstrapServers", stream.binding().bootstrapServers());
        return new FailedBatch("KafkaBatchInfo", info, partition(first) + "-" + first.offset() + "-" + last.offset(),
                partition(first) + " " + first.offset() + ".." + last.offset());
    }
}
