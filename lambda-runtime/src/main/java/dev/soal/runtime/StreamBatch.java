package dev.soal.runtime;

import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import dev.soal.core.SoalException;
import dev.soal.core.StreamBinding;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One batch an event source mapping delivers: the records of a Kinesis shard, or of one or more partitions of a
 * Kafka topic, decoded with the types Lambda's own Java libraries use ({@code KinesisEvent}, {@code KafkaEvent},
 * read by the runtime interface client's {@link LambdaEventSerializers}, which knows their field names, byte buffers
 * and dates).
 *
 * @param source  {@link StreamBinding#KINESIS} or {@link StreamBinding#KAFKA}
 * @param arn     the event's source ARN (Kinesis stream, MSK cluster); null for a self-managed Kafka
 * @param servers a self-managed Kafka's bootstrap servers; null otherwise
 * @param stream  the Kinesis stream's name or the Kafka topic
 * @param records in the order delivered (per partition, by position)
 */
public record StreamBatch(String source, String arn, String servers, String stream, List<StreamRecord> records) {

    /**
     * One record. {@code partition} is the shard id or the partition number; {@code position} the sequence number or
     * offset; {@code key} the partition key or the Kafka key (null when absent); {@code headers} Kafka's (none for
     * Kinesis).
     */
    public record StreamRecord(String partition, BigInteger position, Instant arrival, String key, byte[] data,
                               Map<String, byte[]> headers) {
    }

    /** The positions one partition's records span in this batch. */
    public record Span(BigInteger first, BigInteger last, int records) {
    }

    /** Kinesis sequence numbers have up to 129 digits (the API's pattern); Kafka offsets, longs, up to 19. */
    static final int KINESIS_DIGITS = 129;
    static final int KAFKA_DIGITS = 19;

    /** The event's batch, or empty when the event is not a stream's (a job, an S3 event); throws for a bad one. */
    public static java.util.Optional<StreamBatch> of(Map<String, Object> event) {
        return of(event, null);
    }

    /**
     * The same, decoding {@code json}, the event as text, when the caller has it already (a batch may be 6 MB: it is
     * written out once); null: written here.
     */
    public static java.util.Optional<StreamBatch> of(Map<String, Object> event, String json) {
        return switch (dev.soal.core.LambdaEvents.kind(event)) {
            case KAFKA -> java.util.Optional.of(kafka(read(json == null ? dev.soal.core.Json.write(event) : json, KafkaEvent.class)));
            case KINESIS -> java.util.Optional.of(kinesis(read(json == null ? dev.soal.core.Json.write(event) : json, KinesisEvent.class)));
            default -> java.util.Optional.empty();
        };
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return LambdaEventSerializers.serializerFor(type, StreamBatch.class.getClassLoader()).fromJson(json);
        } catch (RuntimeException e) {
            throw new SoalException("the event looks like a " + type.getSimpleName() + " but cannot be read as one: "
                    + JobRunner.describe(e), e, false);
        }
    }

    static StreamBatch kinesis(KinesisEvent event) {
        List<StreamRecord> out = new ArrayList<>();
        String arn = null;
        if (event.getRecords() == null) {
            throw new SoalException("the Kinesis event holds no Records", false);
        }
        for (KinesisEvent.KinesisEventRecord r : event.getRecords()) {
            if (r == null || r.getKinesis() == null || r.getEventSourceARN() == null) {
                throw new SoalException("a Kinesis record must have its kinesis data and its eventSourceARN, as Lambda sends them,"
                        + " but one had " + (r == null ? "nothing" : r.getKinesis() == null ? "no kinesis" : "no eventSourceARN"), false);
            }
            if (arn == null) {
                arn = r.getEventSourceARN();
            } else if (!arn.equals(r.getEventSourceARN())) {
                throw new SoalException("a Kinesis batch holds records of one stream, but this one had " + arn + " and "
                        + r.getEventSourceARN(), false);
            }
            KinesisEvent.Record k = r.getKinesis();
            // the shard: Lambda's eventID is "<shardId>:<sequenceNumber>"
            String shard = r.getEventID() != null && r.getEventID().contains(":")
                    ? r.getEventID().substring(0, r.getEventID().lastIndexOf(':')) : "shard";
            out.add(new StreamRecord(shard, position(k.getSequenceNumber()),
                    k.getApproximateArrivalTimestamp() == null ? null : k.getApproximateArrivalTimestamp().toInstant(),
                    k.getPartitionKey(), bytes(k.getData()), Map.of()));
        }
        if (arn == null) {
            throw new SoalException("the Kinesis event holds no record", false);
        }
        return new StreamBatch(StreamBinding.KINESIS, arn, null, arn.substring(arn.lastIndexOf('/') + 1), out);
    }

    static StreamBatch kafka(KafkaEvent event) {
        List<StreamRecord> out = new ArrayList<>();
        String topic = null;
        if (event.getRecords() == null || event.getRecords().isEmpty()) {
            throw new SoalException("the Kafka event holds no record", false);
        }
        for (Map.Entry<String, List<KafkaEvent.KafkaEventRecord>> partition : event.getRecords().entrySet()) {
            if (partition.getValue() == null) {
                throw new SoalException("the Kafka event's records of " + partition.getKey() + " are not a list", false);
            }
            for (KafkaEvent.KafkaEventRecord r : partition.getValue()) {
                if (r == null || r.getTopic() == null) {
                    throw new SoalException("a Kafka record of " + partition.getKey() + " must name its topic, as Lambda sends it", false);
                }
                if (!partition.getKey().equals(r.getTopic() + "-" + r.getPartition())) {
                    throw new SoalException("a Kafka record under " + partition.getKey() + " says it is of " + r.getTopic() + "-"
                            + r.getPartition() + ": records are keyed by their topic-partition", false);
                }
                if (topic == null) {
                    topic = r.getTopic();
                } else if (!topic.equals(r.getTopic())) {
                    // one mapping may name one topic only (Lambda's Topics list takes one)
                    throw new SoalException("a Kafka batch holds records of one topic, but this one had " + topic + " and " + r.getTopic(), false);
                }
                // a map of header names: of a name given twice, the last value (Kafka allows repeats; the view keeps one)
                Map<String, byte[]> headers = new LinkedHashMap<>();
                if (r.getHeaders() != null) {
                    r.getHeaders().stream().filter(java.util.Objects::nonNull).forEach(headers::putAll);
                }
                out.add(new StreamRecord(Integer.toString(r.getPartition()), BigInteger.valueOf(r.getOffset()),
                        Instant.ofEpochMilli(r.getTimestamp()), r.getKey() == null ? null : new String(decode(r.getKey()), StandardCharsets.UTF_8),
                        r.getValue() == null ? new byte[0] : decode(r.getValue()), headers));
            }
        }
        return new StreamBatch(StreamBinding.KAFKA, event.getEventSourceArn(), event.getBootstrapServers(), topic, out);
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new SoalException("a Kafka record's key or value is not base64, as Lambda sends them: " + e.getMessage(), false);
        }
    }

    private static BigInteger position(String sequenceNumber) {
        if (sequenceNumber == null || !sequenceNumber.matches("0|[1-9][0-9]{0,128}")) {
            throw new SoalException("a Kinesis sequence number must be a decimal number, but was '" + sequenceNumber + "'", false);
        }
        return new BigInteger(sequenceNumber);
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return new byte[0];
        }
        ByteBuffer copy = b.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    /** The binding this batch belongs to; throws naming the batch's source when none does. */
    public StreamBinding bindingIn(List<StreamBinding> bindings) {
        return bindings.stream().filter(b -> b.matches(source, arn, servers, stream)).findFirst()
                .orElseThrow(() -> new SoalException("no stream of this function's policies (" + StreamBinding.ENV + ": "
                        + bindings.stream().map(StreamBinding::name).toList() + ") takes " + describeSource()
                        + ": add it to the policies' streams", false));
    }

    /** Where the batch comes from, in words. */
    public String describeSource() {
        return StreamBinding.KINESIS.equals(source) ? "Kinesis stream " + arn
                : "Kafka topic " + stream + " of " + (arn != null ? arn : servers);
    }

    /** Each partition's positions, in partition order. */
    public Map<String, Span> spans() {
        Map<String, Span> out = new TreeMap<>();
        for (StreamRecord r : records) {
            out.merge(r.partition(), new Span(r.position(), r.position(), 1), (a, b) -> new Span(a.first().min(b.first()),
                    a.last().max(b.last()), a.records() + b.records()));
        }
        return out;
    }

    /**
     * The batch's identity: its source, and each partition's first and last position. A redelivery of the same
     * records has the same identity, whichever environment gets it.
     */
    public String identity() {
        StringBuilder b = new StringBuilder(source).append('|').append(arn != null ? arn : servers).append('|').append(stream);
        spans().forEach((p, s) -> b.append('|').append(p).append(':').append(s.first()).append('-').append(s.last()));
        return dev.soal.core.Hashes.sha256(b.toString());
    }

    /** The ranges in words: {@code "shardId-000000000000 49..51 (3 records)"}. */
    public String describeSpans() {
        List<String> parts = new ArrayList<>();
        spans().forEach((p, s) -> parts.add((StreamBinding.KAFKA.equals(source) ? stream + "-" : "") + p + " " + s.first()
                + ".." + s.last() + " (" + s.records() + " record" + (s.records() == 1 ? "" : "s") + ")"));
        return String.join(", ", parts);
    }

    /** The answer for a batch that is done: no failures. */
    public static Map<String, Object> doneResponse() {
        return Map.of("batchItemFailures", List.of());
    }

    /** A position of this batch's source as a string that sorts as the number does (zero-padded to the source's width). */
    public String sortable(BigInteger position) {
        String digits = position.toString();
        int width = StreamBinding.KINESIS.equals(source) ? KINESIS_DIGITS : KAFKA_DIGITS;
        return "0".repeat(Math.max(0, width - digits.length())) + digits;
    }
}
