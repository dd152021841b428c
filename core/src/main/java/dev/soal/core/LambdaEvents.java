package dev.soal.core;

import java.util.List;
import java.util.Map;

/** Which of the events SoAL takes a Lambda event is, by the fields Lambda sets on each. */
public final class LambdaEvents {
    /** The kinds: a Kafka batch (MSK or self-managed), a Kinesis batch, an S3 notification, or none of them. */
    public enum Kind { KAFKA, KINESIS, S3, OTHER }

    private LambdaEvents() {
    }

    /** {@code eventSource} on a Kafka event; on the first of {@code Records} for Kinesis and S3. */
    public static Kind kind(Map<String, Object> event) {
        if (event == null) {
            return Kind.OTHER;
        }
        Object source = event.get("eventSource");
        if ("aws:kafka".equals(source) || "SelfManagedKafka".equals(source) || "aws:SelfManagedKafka".equals(source)) {
            return Kind.KAFKA;
        }
        if (event.get("Records") instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> first) {
            if ("aws:kinesis".equals(first.get("eventSource"))) {
                return Kind.KINESIS;
            }
            if ("aws:s3".equals(first.get("eventSource"))) {
                return Kind.S3;
            }
        }
        return Kind.OTHER;
    }
}
