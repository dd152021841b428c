package dev.soal.adapters.s3;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** S3's conditional write, as the job store and the run history use it: a JSON body put only if a condition holds. */
final class ConditionalPut {
    private ConditionalPut() {
    }

    /**
     * Puts {@code body} if the condition holds ({@code ifMatch} etag, or {@code ifNoneMatch}); the new ETag, or empty when
     * the condition failed (412, a conflicting concurrent write's 409, or If-Match on a key that is gone). Any other
     * error is thrown as the SDK threw it.
     */
    static Optional<String> put(S3Client s3, String bucket, String key, String body, String ifMatch, boolean ifNoneMatch) {
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json");
        if (ifMatch != null) {
            req.ifMatch(ifMatch);
        }
        if (ifNoneMatch) {
            req.ifNoneMatch("*");
        }
        try {
            String etag = s3.putObject(req.build(), RequestBody.fromString(body, StandardCharsets.UTF_8)).eTag();
            return Optional.of(etag == null ? "" : etag);
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409 || (ifMatch != null && e.statusCode() == 404)) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
