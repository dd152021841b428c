package dev.soal.router.embedded;

import dev.soal.core.Json;
import dev.soal.policies.StreamPolicy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A Kinesis stream's event source mapping on the embedded default, polling as Lambda's does: each shard read with
 * {@code GetRecords} from its checkpoint (or the starting position), batches of up to {@code batchSize} records of one
 * shard gathered for up to the batching window, one batch in flight per shard, delivered as the event Lambda sends
 * ({@code aws:kinesis} records) with {@link LocalEventSourceMapping}'s retries; a failed record's
 * {@code itemIdentifier} is its sequence number, and the batch is retried from the lowest one named. The checkpoint,
 * the last sequence number done or sent to the on-failure destination, is kept per shard at
 * {@code s3://soal-jobs/_streams/<stream>/checkpoints/<shardId>.json}, so a mapping started again goes on from it.
 */
final class LocalKinesisMapping extends LocalEventSourceMapping<LocalKinesisMapping.ShardRecord> {
    /** How often an idle shard is read, as Lambda reads each shard about once a second. */
    private static final long IDLE_MILLIS = 500;

    /** A record and the shard it was read from. */
    record ShardRecord(String shardId, Record record) {
        BigInteger sequence() {
            return new BigInteger(record.sequenceNumber());
        }
    }

    private final URI endpoint;
    private final String region;
    private final String streamName;

    LocalKinesisMapping(StreamPolicy stream, URI endpoint, LocalLambdaService lambda, String function, S3Client s3,
                        Consumer<String> output) {
        super(stream, lambda, function, s3, output);
        this.endpoint = endpoint;
        String[] arn = stream.binding().arn().split(":", 6);
        this.region = arn[3];
        this.streamName = arn[5].substring("stream/".length());
    }

    /** One shard's reading: where it is, and what was read past the batch being delivered. */
    private static final class ShardReader {
        final String shardId;
        String iterator;
        final Deque<ShardRecord> ahead = new ArrayDeque<>();

        ShardReader(String shardId, String iterator) {
            this.shardId = shardId;
            this.iterator = iterator;
        }
    }

    @Override
    protected void consume() throws InterruptedException {
        try (KinesisClient kinesis = KinesisServer.client(endpoint, region)) {
            Map<String, ShardReader> readers = new LinkedHashMap<>();
            Set<String> finished = new HashSet<>();
            long listed = 0;
            while (!closed) {
                if (readers.isEmpty() || System.nanoTime() - listed > TimeUnit.SECONDS.toNanos(30)) {
                    // the stream's shards, closed ones too until read to their end; new ones after a reshard
                    for (String shardId : shards(kinesis)) {
                        if (!finished.contains(shardId) && !readers.containsKey(shardId)) {
                            readers.put(shardId, new ShardReader(shardId, iterator(kinesis, shardId)));
                        }
                    }
                    listed = System.nanoTime();
                }
                boolean idle = true;
                for (ShardReader reader : List.copyOf(readers.values())) {
                    List<ShardRecord> batch = gather(kinesis, reader);
                    if (batch.isEmpty()) {
                        if (reader.iterator == null && reader.ahead.isEmpty()) {
                            readers.remove(reader.shardId); // a closed shard, read to its end
                            finished.add(reader.shardId);
                        }
                        continue;
                    }
                    idle = false;
                    deliver(batch, 0);
                    if (closed) {
                        return; // a batch cut short by closing is delivered again next time
                    }
                    checkpoint(reader.shardId, batch.get(batch.size() - 1).record().sequenceNumber());
                }
                if (idle) {
                    Thread.sleep(IDLE_MILLIS);
                }
            }
        }
    }

    /** The stream's shards, every page of ListShards (a next page is asked for by its token alone). */
    private List<String> shards(KinesisClient kinesis) {
        List<String> ids = new ArrayList<>();
        ListShardsResponse page = kinesis.listShards(r -> r.streamName(streamName));
        page.shards().forEach(s -> ids.add(s.shardId()));
        while (page.nextToken() != null) {
            String token = page.nextToken();
            page = kinesis.listShards(r -> r.nextToken(token));
            page.shards().forEach(s -> ids.add(s.shardId()));
        }
        return ids;
    }

    /** After the shard's checkpoint, or at the starting position when it has none. */
    private String iterator(KinesisClient kinesis, String shardId) {
        String kept = checkpointOf(shardId);
        if (kept != null) {
            return kinesis.getShardIterator(r -> r.streamName(streamName).shardId(shardId)
                    .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).startingSequenceNumber(kept)).shardIterator();
        }
        ShardIteratorType type = stream.startingPosition().equals("LATEST") ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON;
        return kinesis.getShardIterator(r -> r.streamName(streamName).shardId(shardId).shardIteratorType(type)).shardIterator();
    }

    /** Up to batchSize records of one shard, read until there are that many or the batching window has passed. */
    private List<ShardRecord> gather(KinesisClient kinesis, ShardReader reader) throws InterruptedException {
        List<ShardRecord> batch = new ArrayList<>();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(stream.batchingWindowSeconds());
        while (!closed) {
            while (!reader.ahead.isEmpty() && batch.size() < stream.batchSize()) {
                batch.add(reader.ahead.poll());
            }
            if (batch.size() >= stream.batchSize() || reader.iterator == null) {
                break;
            }
            String it = reader.iterator;
            GetRecordsResponse got = kinesis.getRecords(r -> r.shardIterator(it).limit(Math.min(10_000, stream.batchSize())));
            reader.iterator = got.nextShardIterator();
            got.records().forEach(r -> reader.ahead.add(new ShardRecord(reader.shardId, r)));
            if (!got.records().isEmpty()) {
                continue;
            }
            if (batch.isEmpty() || System.nanoTime() >= until) {
                break;
            }
            Thread.sleep(Math.min(IDLE_MILLIS, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
        return batch;
    }

    private String checkpointKey(String shardId) {
        return "_streams/" + stream.binding().name() + "/checkpoints/" + shardId + ".json";
    }

    private String checkpointOf(String shardId) {
        try {
            Object kept = Json.read(s3().getObjectAsBytes(r -> r.bucket(EmbeddedStack.JOBS).key(checkpointKey(shardId))).asUtf8String(),
                    Map.class).get("sequenceNumber");
            return kept == null ? null : kept.toString();
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    private void checkpoint(String shardId, String sequenceNumber) {
        s3().putObject(r -> r.bucket(EmbeddedStack.JOBS).key(checkpointKey(shardId)).contentType("application/json"),
                RequestBody.fromString(Json.write(Map.of("streamArn", stream.binding().arn(), "shardId", shardId,
                        "sequenceNumber", sequenceNumber))));
    }

    /**
     * The records from the lowest sequence number named on; all of them when an identifier is null, empty or not a
     * record of the batch, as Lambda treats such an answer as the whole batch failing.
     */
    @Override
    protected List<ShardRecord> failedFrom(List<ShardRecord> records, List<?> failures) {
        Set<String> sequences = records.stream().map(r -> r.record().sequenceNumber()).collect(Collectors.toSet());
        BigInteger from = null;
        for (Object f : failures) {
            Object id = f instanceof Map<?, ?> fm ? fm.get("itemIdentifier") : null;
            if (!(id instanceof String seq) || !sequences.contains(seq)) {
                return records;
            }
            BigInteger s = new BigInteger(seq);
            from = from == null || s.compareTo(from) < 0 ? s : from;
        }
        BigInteger first = from;
        return records.stream().filter(r -> r.sequence().compareTo(first) >= 0).toList();
    }

    @Override
    protected String partition(ShardRecord r) {
        return r.shardId();
    }

    /** The event Lambda sends for a Kinesis batch: one entry per record, its data in base64. */
    @Override
    protected Map<String, Object> event(List<ShardRecord> records) {
        Base64.Encoder b64 = Base64.getEncoder();
        List<Map<String, Object>> entries = new ArrayList<>();
        for (ShardRecord sr : records) {
            Record r = sr.record();
            Map<String, Object> kinesis = new LinkedHashMap<>();
            kinesis.put("kinesisSchemaVersion", "1.0");
            kinesis.put("partitionKey", r.partitionKey());
            kinesis.put("sequenceNumber", r.sequenceNumber());
            kinesis.put("data", b64.encodeToString(r.data().asByteArray()));
            kinesis.put("approximateArrivalTimestamp", seconds(r.approximateArrivalTimestamp()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kinesis", kinesis);
            m.put("eventSource", "aws:kinesis");
            m.put("eventVersion", "1.0");
            m.put("eventID", sr.shardId() + ":" + r.sequenceNumber());
            m.put("eventName", "aws:kinesis:record");
            m.put("invokeIdentityArn", "arn:aws:iam::" + stream.binding().arn().split(":")[4] + ":role/soal-runtime");
            m.put("awsRegion", region);
            m.put("eventSourceARN", stream.binding().arn());
            entries.add(m);
        }
        return Map.of("Records", entries);
    }

    /** Epoch seconds with milliseconds, as Lambda writes {@code approximateArrivalTimestamp}. */
    private static BigDecimal seconds(Instant t) {
        Instant at = t == null ? Instant.now() : t;
        return BigDecimal.valueOf(at.toEpochMilli()).movePointLeft(3);
    }

    @Override
    protected FailedBatch failedBatch(List<ShardRecord> failed) {
        ShardRecord first = failed.get(0);
        ShardRecord last = failed.get(failed.size() - 1);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("shardId", first.shardId());
        info.put("startSequenceNumber", first.record().sequenceNumber());
        info.put("endSequenceNumber", last.record().sequenceNumber());
        info.put("approximateArrivalOfFirstRecord", String.valueOf(first.record().approximateArrivalTimestamp()));
        info.put("approximateArrivalOfLastRecord", String.valueOf(last.record().approximateArrivalTimestamp()));
        info.put("batchSize", failed.size());
        info.put("streamArn", stream.binding().arn());
        return new FailedBatch("KinesisBatchInfo", info,
                first.shardId() + "-" + first.record().sequenceNumber() + "-" + last.record().sequenceNumber(),
                first.shardId() + " " + first.record().sequenceNumber() + ".." + last.record().sequenceNumber());
    }
}
