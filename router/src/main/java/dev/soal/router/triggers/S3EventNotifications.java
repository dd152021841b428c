package dev.soal.router.triggers;

import dev.soal.core.Json;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** S3 event notifications shaped exactly as S3 sends them (event version 2.1), for the embedded stack. */
public final class S3EventNotifications {
    private static final AtomicLong SEQUENCER = new AtomicLong(System.currentTimeMillis() << 16);

    private S3EventNotifications() {
    }

    /** S3 form-encodes each key segment ({@code +} for a space, {@code %28} for '('), keeping the slashes. */
    public static String encodeKey(String key) {
        return Arrays.stream(key.split("/", -1))
                .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8))
                .collect(Collectors.joining("/"));
    }

    /** One {@code ObjectCreated:Put} (or {@code CompleteMultipartUpload}) event with one record. */
    public static String objectCreated(String region, String bucket, String key, long size, String etag, String eventName) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("key", encodeKey(key));
        object.put("size", size);
        object.put("eTag", etag == null ? "" : etag.replace("\"", ""));
        object.put("sequencer", String.format("%016X", SEQUENCER.incrementAndGet()));
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("eventVersion", "2.1");
        record.put("eventSource", "aws:s3");
        record.put("awsRegion", region);
        record.put("eventTime", Instant.now().toString());
        record.put("eventName", "ObjectCreated:" + eventName);
        record.put("userIdentity", Map.of("principalId", "AWS:SOALLOCAL"));
        record.put("requestParameters", Map.of("sourceIPAddress", "127.0.0.1"));
        record.put("responseElements", Map.of("x-amz-request-id", UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase(),
                "x-amz-id-2", UUID.randomUUID().toString()));
        record.put("s3", Map.of(
                "s3SchemaVersion", "1.0",
                "configurationId", "soal-embedded-trigger",
                "bucket", Map.of("name", bucket, "ownerIdentity", Map.of("principalId", "SOALLOCAL"),
                        "arn", "arn:aws:s3:::" + bucket),
                "object", object));
        return Json.write(Map.of("Records", List.of(record)));
    }
}
