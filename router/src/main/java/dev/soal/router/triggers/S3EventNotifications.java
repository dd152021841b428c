package dev.soal.router.triggers;

import software.amazon.awssdk.eventnotifications.s3.model.RequestParameters;
import software.amazon.awssdk.eventnotifications.s3.model.ResponseElements;
import software.amazon.awssdk.eventnotifications.s3.model.S3;
import software.amazon.awssdk.eventnotifications.s3.model.S3Bucket;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotification;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotificationRecord;
import software.amazon.awssdk.eventnotifications.s3.model.S3Object;
import software.amazon.awssdk.eventnotifications.s3.model.UserIdentity;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
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

    /** One {@code ObjectCreated:Put} (or {@code CompleteMultipartUpload}) event with one record, in the AWS SDK's S3 event model. */
    public static String objectCreated(String region, String bucket, String key, long size, String etag, String eventName) {
        S3EventNotificationRecord record = new S3EventNotificationRecord();
        record.setEventVersion("2.1");
        record.setEventSource("aws:s3");
        record.setAwsRegion(region);
        record.setEventTime(Instant.now());
        record.setEventName("ObjectCreated:" + eventName);
        record.setUserIdentity(new UserIdentity("AWS:SOALLOCAL"));
        record.setRequestParameters(new RequestParameters("127.0.0.1"));
        record.setResponseElements(new ResponseElements(UUID.randomUUID().toString(),
                UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase()));
        record.setS3(new S3("soal-embedded-trigger",
                new S3Bucket(bucket, new UserIdentity("SOALLOCAL"), "arn:aws:s3:::" + bucket),
                new S3Object(encodeKey(key), size, etag == null ? "" : etag.replace("\"", ""), null,
                        String.format("%016X", SEQUENCER.incrementAndGet())), "1.0"));
        return new S3EventNotification(List.of(record)).toJson();
    }
}
