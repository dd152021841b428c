package dev.soal.adapters.s3;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.soal.core.Json;
import dev.soal.core.PastRun;
import dev.soal.core.RunHistory;
import dev.soal.core.S3Uri;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.util.List;
import java.util.Optional;

/**
 * The run history in S3, beside the job store: one small JSON object per key ({@code <prefix><key id>.json}, the
 * newest {@link RunHistory#KEPT} runs and the largest that succeeded on Lambda), read with one GET and added to with a conditional write that is tried again
 * when another writer came first. It only informs decisions: a history that cannot be read or written is logged and
 * leaves the policies to decide alone.
 */
public final class S3RunHistory implements RunHistory {
    static final int WRITE_ATTEMPTS = 5;
    private static final TypeReference<List<PastRun>> RUNS = new TypeReference<>() { };

    private final S3Client s3;
    private final S3Uri prefix;

    public S3RunHistory(S3Client s3, S3Uri prefix) {
        this.s3 = s3;
        this.prefix = prefix;
    }

    private String key(Key key) {
        return prefix.key() + key.id() + ".json";
    }

    @Override
    public List<PastRun> recent(Key key) {
        try {
            return read(key(key)).map(b -> Json.mapper().convertValue(Json.read(b.asUtf8String(), Kept.class).runs(), RUNS))
                    .orElse(List.of());
        } catch (RuntimeException e) {
            System.err.println("run history " + key(key) + " could not be read (" + e.getMessage() + "): deciding without it");
            return List.of();
        }
    }

    @Override
    public void record(Key key, PastRun run) {
        String object = key(key);
        try {
            for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
                Optional<ResponseBytes<GetObjectResponse>> current = read(object);
                List<PastRun> runs = current.map(S3RunHistory::runsOrNone).orElse(List.of());
                String body = Json.write(new Kept(key, RunHistory.with(runs, run)));
                if (ConditionalPut.put(s3, prefix.bucket(), object, body,
                        current.map(b -> b.response().eTag()).orElse(null), current.isEmpty()).isPresent()) {
                    return;
                }
            }
            System.err.println("run history " + object + " kept changing; run " + run.jobId() + " not added");
        } catch (RuntimeException e) {
            System.err.println("run history " + object + " could not be written (" + e.getMessage() + "); run " + run.jobId()
                    + " not added");
        }
    }

    /** The runs an object holds; none when it cannot be read (it is then written anew). */
    private static List<PastRun> runsOrNone(ResponseBytes<GetObjectResponse> b) {
        try {
            return Json.read(b.asUtf8String(), Kept.class).runs();
        } catch (RuntimeException e) {
            System.err.println("a run history object could not be read (" + e.getMessage() + "); it is written anew");
            return List.of();
        }
    }

    private Optional<ResponseBytes<GetObjectResponse>> read(String object) {
        try {
            return Optional.of(s3.getObjectAsBytes(r -> r.bucket(prefix.bucket()).key(object)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** What one object holds: its key, and the runs newest first. */
    record Kept(Key key, List<PastRun> runs) {
    }
}
