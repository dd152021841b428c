package dev.soal.policies;

import dev.soal.core.StreamBinding;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A stream of the policies: its source and script ({@link StreamBinding}, what the runtime needs), and how Lambda's
 * event source mapping reads it (what the stack needs). Ranges are Lambda's (CreateEventSourceMapping).
 *
 * @param batchSize             records per batch, 1..10,000
 * @param batchingWindowSeconds how long the mapping gathers records before it invokes, 0..300
 * @param startingPosition      {@code TRIM_HORIZON} (the oldest record kept) or {@code LATEST}
 * @param maximumRetries        retries of a failed batch, -1 (until its records expire) to 10,000
 * @param bisectOnError         split a failed batch in two and retry each half
 * @param parallelizationFactor Kinesis only: batches per shard at once, 1 (exactly once needs one batch in flight per
 *                              shard: with more, records of a shard commit in any order)
 * @param onFailure             where a batch that used up its retries goes: {@code default} (an SQS queue the stack
 *                              makes for the stream) or an SQS queue's ARN
 * @param minPollers            Kafka only: the mapping's provisioned mode, with this many event pollers at least (0:
 *                              on-demand mode, without retry limits, bisection or partial batch responses)
 * @param maxPollers            Kafka only: at most this many event pollers (provisioned mode)
 */
public record StreamPolicy(StreamBinding binding, int batchSize, int batchingWindowSeconds, String startingPosition,
                           Integer maximumRetries, boolean bisectOnError, int parallelizationFactor, String onFailure,
                           int minPollers, int maxPollers) {
    public static final String DEFAULT_QUEUE = "default";
    static final Pattern SQS_ARN = Pattern.compile("arn:aws[a-z-]*:sqs:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,80}(\\.fifo)?");
    static final Pattern KINESIS_ARN = Pattern.compile("arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\\d{12}:stream/[A-Za-z0-9_.-]{1,128}");
    static final Pattern MSK_ARN = Pattern.compile("arn:aws[a-z-]*:kafka:[a-z0-9-]+:\\d{12}:cluster/[A-Za-z0-9-]{1,64}/[A-Za-z0-9-]+");
    static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    static final Pattern SERVER = Pattern.compile("[A-Za-z0-9.-]+:\\d{1,5}");

    public StreamPolicy {
        String name = binding.name();
        if (StreamBinding.KINESIS.equals(binding.source()) && !KINESIS_ARN.matcher(binding.arn()).matches()) {
            throw new IllegalArgumentException("stream '" + name + "': kinesis must be a Kinesis stream's ARN"
                    + " (arn:aws:kinesis:<region>:<account>:stream/<name>), but was '" + binding.arn() + "'");
        }
        if (StreamBinding.KAFKA.equals(binding.source())) {
            if (binding.arn() != null && !MSK_ARN.matcher(binding.arn()).matches()) {
                throw new IllegalArgumentException("stream '" + name + "': kafka.cluster must be an MSK cluster's ARN"
                        + " (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>), but was '" + binding.arn() + "'");
            }
            if (!TOPIC.matcher(binding.topic()).matches()) {
                throw new IllegalArgumentException("stream '" + name + "': kafka.topic must be a Kafka topic name (letters, digits,"
                        + " '.', '_', '-'; at most 249), but was '" + binding.topic() + "'");
            }
            if (binding.bootstrapServers() != null) {
                for (String s : binding.bootstrapServers().split(",")) {
                    if (!SERVER.matcher(s).matches()) {
                        throw new IllegalArgumentException("stream '" + name + "': kafka.bootstrapServers must be host:port,"
                                + " but had '" + s + "'");
                    }
                }
            }
        }
        range(name, "batchSize", batchSize, 1, 10_000);
        range(name, "batchingWindowSeconds", batchingWindowSeconds, 0, 300);
        if (!List.of("TRIM_HORIZON", "LATEST").contains(startingPosition)) {
            throw new IllegalArgumentException("stream '" + name + "': startingPosition must be TRIM_HORIZON or LATEST, but was '"
                    + startingPosition + "'");
        }
        if (maximumRetries != null) {
            range(name, "maximumRetries", maximumRetries, -1, 10_000);
        }
        if (parallelizationFactor != 1) {
            throw new IllegalArgumentException("stream '" + name + "': parallelizationFactor must be 1, but was " + parallelizationFactor
                    + ": with more, Lambda runs up to that many batches of one shard at once, ordered per partition key only,"
                    + " and the per-shard position that keeps table commits exactly once needs one batch in flight per shard");
        }
        if (onFailure == null) {
            onFailure = DEFAULT_QUEUE;
        }
        if (!DEFAULT_QUEUE.equals(onFailure) && !SQS_ARN.matcher(onFailure).matches()) {
            throw new IllegalArgumentException("stream '" + name + "': onFailure must be 'default' (a queue the stack makes) or an"
                    + " SQS queue's ARN, but was '" + onFailure + "'");
        }
        boolean kafka = StreamBinding.KAFKA.equals(binding.source());
        if (!kafka && (minPollers != 0 || maxPollers != 0)) {
            throw new IllegalArgumentException("stream '" + name + "': provisionedPollers is for Kafka streams only");
        }
        if (kafka && minPollers == 0 && (maximumRetries != null || bisectOnError)) {
            throw new IllegalArgumentException("stream '" + name + "': maximumRetries and bisectOnError need the Kafka mapping's"
                    + " provisioned mode: set provisionedPollers (event pollers are billed while they run)");
        }
        if (kafka && minPollers != 0) {
            range(name, "provisionedPollers.min", minPollers, 1, 200);
            range(name, "provisionedPollers.max", maxPollers, minPollers, 2000);
        }
    }

    private static void range(String name, String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("stream '" + name + "': " + field + " must be within " + min + ".." + max
                    + ", but was " + value);
        }
    }

    public boolean kafka() {
        return StreamBinding.KAFKA.equals(binding.source());
    }

    /** Kafka's error handling (retry limits, bisection, partial batch responses) is there in provisioned mode only. */
    public boolean provisioned() {
        return minPollers > 0;
    }

    /** The consumer group of a Kafka stream's mapping: named, so that its grant names it too. */
    public String consumerGroup() {
        return "soal-" + binding.name();
    }
}
