package dev.soal.adapters.s3;

import dev.soal.core.JobRecord;
import dev.soal.core.JobStore;
import dev.soal.core.Json;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The job store on S3: one JSON object per job under {@code <base>/jobs/<id>.json}, and one marker per
 * idempotency key under {@code <base>/idempotency/<sha256(key)>} holding the job id.
 *
 * <p>Writes are conditional: the key marker with {@code If-None-Match: *}, updates with {@code If-Match:
 * <etag>}, so two routers or a router and a runtime never overwrite each other on AWS. Within one process
 * a lock per job (and per key) serializes writers too, which also covers S3-compatible servers that ignore
 * conditional writes (S3Proxy 2.4 does); across processes those rely on one writer at a time per job.
 */
public final class S3JobStore implements JobStore {
    private static final int MAX_UPDATE_ATTEMPTS = 10;
    private static final int LOCK_STRIPES = 64;

    private final S3Client s3;
    private final S3Uri base;
    private final Object[] locks = new Object[LOCK_STRIPES];

    public S3JobStore(S3Client s3, S3Uri base) {
        this.s3 = s3;
        this.base = base;
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    public S3Uri base() {
        return base;
    }

    @Override
    public CreateOutcome create(JobRecord job, String idempotencyKey) {
        if (idempotencyKey == null) {
            put(jobKey(job.id()), Json.write(job), null, true);
            return new CreateOutcome.Created(job);
        }
        String markerKey = base.resolve("idempotency/" + sha256(idempotencyKey)).key();
        synchronized (lockFor(markerKey)) {
            Optional<String> existingId = read(markerKey).map(r -> r.asUtf8String().trim());
            if (existingId.isEmpty()) {
                if (put(markerKey, job.id(), null, true)) {
                    put(jobKey(job.id()), Json.write(job), null, true);
                    return new CreateOutcome.Created(job);
                }
                existingId = read(markerKey).map(r -> r.asUtf8String().trim());
            }
            String id = existingId.orElseThrow(() -> new SoalException(
                    "idempotency marker vanished [key=" + markerKey + "]", true));
            return new CreateOutcome.Existing(awaitRecord(id, markerKey));
        }
    }

    /** The marker is written before the record; a concurrent creator may be between the two writes. */
    private JobRecord awaitRecord(String id, String markerKey) {
        for (int attempt = 0; attempt < 50; attempt++) {
            Optional<JobRecord> job = get(id);
            if (job.isPresent()) {
                return job.get();
            }
            sleep(100);
        }
        throw new SoalException("idempotency key is taken by job " + id + ", whose record is missing [marker="
                + base.bucket() + "/" + markerKey + "]", true);
    }

    @Override
    public Optional<JobRecord> get(String jobId) {
        return read(jobKey(jobId)).map(b -> Json.read(b.asUtf8String(), JobRecord.class));
    }

    @Override
    public JobRecord update(String jobId, UnaryOperator<JobRecord> change) {
        String key = jobKey(jobId);
        synchronized (lockFor(key)) {
            for (int attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
                ResponseBytes<GetObjectResponse> current = read(key).orElseThrow(
                        () -> new SoalException("no such job: " + jobId, false));
                JobRecord before = Json.read(current.asUtf8String(), JobRecord.class);
                JobRecord after = change.apply(before);
                if (after.equals(before)) {
                    return before;
                }
                if (put(key, Json.write(after), current.response().eTag(), false)) {
                    return after;
                }
            }
        }
        throw new SoalException("job " + jobId + " kept changing under us; gave up after "
                + MAX_UPDATE_ATTEMPTS + " attempts", true);
    }

    /** How many records a filtered listing reads at most. */
    static final int MAX_SCAN = 2_000;

    @Override
    public List<JobRecord> list(int limit, java.util.function.Predicate<JobRecord> filter) {
        String prefix = base.resolve("jobs/").key();
        List<String> keys = new ArrayList<>();
        for (var page : s3.listObjectsV2Paginator(r -> r.bucket(base.bucket()).prefix(prefix))) {
            for (S3Object o : page.contents()) {
                if (o.key().endsWith(".json")) {
                    keys.add(o.key());
                }
            }
        }
        keys.sort(Comparator.reverseOrder());
        List<JobRecord> jobs = new ArrayList<>();
        for (String k : keys.subList(0, Math.min(MAX_SCAN, keys.size()))) {
            if (jobs.size() >= limit) {
                break;
            }
            read(k).map(b -> Json.read(b.asUtf8String(), JobRecord.class)).filter(filter).ifPresent(jobs::add);
        }
        return jobs;
    }

    private String jobKey(String jobId) {
        if (!jobId.matches("[A-Za-z0-9._-]{1,128}") || jobId.contains("..")) {
            throw new IllegalArgumentException("job id must be 1-128 letters, digits, '.', '_' or '-', but was '" + jobId + "'");
        }
        return base.resolve("jobs/" + jobId + ".json").key();
    }

    private Optional<ResponseBytes<GetObjectResponse>> read(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(r -> r.bucket(base.bucket()).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            throw wrap("read", key, e);
        }
    }

    /** Puts {@code body}; false when the condition (If-Match etag, or If-None-Match *) failed. */
    private boolean put(String key, String body, String ifMatch, boolean ifNoneMatch) {
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(base.bucket()).key(key)
                .contentType("application/json");
        if (ifMatch != null) {
            req.ifMatch(ifMatch);
        }
        if (ifNoneMatch) {
            req.ifNoneMatch("*");
        }
        try {
            s3.putObject(req.build(), RequestBody.fromString(body, StandardCharsets.UTF_8));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw wrap("write", key, e);
        }
    }

    private SoalException wrap(String op, String key, S3Exception e) {
        boolean retryable = e.statusCode() >= 500 || e.statusCode() == 429 || e.statusCode() == 503;
        return new SoalException("job store " + op + " failed [bucket=" + base.bucket() + ", key=" + key
                + ", status=" + e.statusCode() + ", code=" + (e.awsErrorDetails() == null ? "?" : e.awsErrorDetails().errorCode())
                + "]", e, retryable);
    }

    private Object lockFor(String key) {
        return locks[Math.floorMod(key.hashCode(), LOCK_STRIPES)];
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SoalException("interrupted", e, true);
        }
    }
}
