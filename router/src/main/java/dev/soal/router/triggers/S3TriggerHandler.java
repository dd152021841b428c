package dev.soal.router.triggers;

import software.amazon.awssdk.eventnotifications.s3.model.S3;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotification;
import software.amazon.awssdk.eventnotifications.s3.model.S3EventNotificationRecord;
import software.amazon.awssdk.eventnotifications.s3.model.S3Object;
import dev.soal.core.JobRejectedException;
import dev.soal.core.JobRequest;
import dev.soal.core.Json;
import dev.soal.core.SoalException;
import dev.soal.policies.Policies;
import dev.soal.router.JobService;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Turns S3 event notifications into jobs. Each record of an event is handled on its own: keys arrive
 * URL-encoded ({@code +} is a space, {@code %28} a parenthesis) and are decoded; the object's version id
 * (or its ETag, or the event's sequencer) makes the idempotency key, so S3's repeated deliveries yield
 * the job already recorded. Objects that match no trigger, or lie outside the allowlists, are skipped
 * with the reason logged and returned.
 */
public final class S3TriggerHandler {
    private static final Logger LOG = Logger.getLogger(S3TriggerHandler.class.getName());

    /** What happened to one record. */
    public record Outcome(String object, String result, String jobId, String detail) {
        public static final String SUBMITTED = "submitted";
        public static final String DUPLICATE = "duplicate";
        public static final String SKIPPED = "skipped";
        public static final String REJECTED = "rejected";
    }

    private final JobService jobs;
    private final Policies policies;

    public S3TriggerHandler(JobService jobs, Policies policies) {
        this.jobs = jobs;
        this.policies = policies;
    }

    /**
     * Handles an S3 event notification ({@code {"Records": [...]}}), read by the AWS SDK's own S3 event model
     * ({@code s3-event-notifications}); a malformed event is an error.
     */
    public List<Outcome> handle(String eventJson) {
        S3EventNotification event;
        try {
            event = S3EventNotification.fromJson(eventJson);
        } catch (RuntimeException e) {
            throw new SoalException("not an S3 event: the JSON does not parse (" + e.getMessage() + ")", e, false);
        }
        if (event == null || event.getRecords() == null) {
            throw new SoalException("not an S3 event: no Records array", false);
        }
        List<Outcome> out = new ArrayList<>();
        for (S3EventNotificationRecord record : event.getRecords()) {
            out.add(handleRecord(record));
        }
        return out;
    }

    /** An object key as an S3 notification carries it, decoded: S3 form-encodes keys ('+' for a space), as URLDecoder reads them. */
    public static String decodedKey(String rawKey) {
        return URLDecoder.decode(rawKey, StandardCharsets.UTF_8);
    }

    private Outcome handleRecord(S3EventNotificationRecord record) {
        String eventName = record.getEventName() == null ? "" : record.getEventName();
        S3 s3 = record.getS3();
        String bucket = s3 == null || s3.getBucket() == null ? null : s3.getBucket().getName();
        String rawKey = s3 == null || s3.getObject() == null ? null : s3.getObject().getKey();
        if (bucket == null || rawKey == null) {
            return skipped("?", "record without s3.bucket.name or s3.object.key");
        }
        String key = decodedKey(rawKey);
        String object = "s3://" + bucket + "/" + key;
        if (!eventName.startsWith("ObjectCreated:")) {
            return skipped(object, "event " + eventName + " is not ObjectCreated");
        }
        if (key.endsWith("/")) {
            return skipped(object, "a folder marker, not an object");
        }
        var trigger = policies.triggerFor(bucket, key);
        if (trigger.isEmpty()) {
            return skipped(object, "no trigger in the policies matches " + object);
        }
        Policies.Trigger t = trigger.get();
        S3Object o = s3.getObject();
        String version = firstNonBlank(o.getVersionId(), o.getETag(), o.getSequencer());
        Map<String, String> tags = new LinkedHashMap<>(t.tags());
        tags.put("trigger", t.name());
        try {
            JobRequest request = new JobRequest(t.script(), t.mainClass(), List.of(object), null, t.arguments(), tags,
                    "s3:" + bucket + "/" + key + "@" + (version == null ? "-" : version),
                    new S3EventNotification(List.of(record)).toJson()).withDeadline(t.deadline());
            JobService.Submitted s = jobs.submit(request);
            return new Outcome(object, s.existing() ? Outcome.DUPLICATE : Outcome.SUBMITTED, s.job().id(),
                    s.existing() ? "the event was delivered before; the job exists" : "decided: " + s.job().decision().backend());
        } catch (dev.soal.core.NotAllowedException e) {
            return skipped(object, e.getMessage());
        } catch (JobRejectedException | IllegalArgumentException e) {
            LOG.warning("S3 trigger " + t.name() + " rejected " + object + ": " + e.getMessage());
            return new Outcome(object, Outcome.REJECTED, null, e.getMessage());
        }
    }

    private static Outcome skipped(String object, String why) {
        LOG.info("S3 trigger skipped " + object + ": " + why);
        return new Outcome(object, Outcome.SKIPPED, null, why);
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
