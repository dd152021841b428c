package dev.soal.adapters.s3;

import dev.soal.core.S3Uri;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a job's output location holds anything written since an attempt began: a spill-over runs the job again only
 * when it does not, so the output is written by one attempt only ({@code SpillOvers}). Objects older than the attempt
 * (a table's earlier files, a folder the script overwrites) do not count; anything newer, or a location that cannot be
 * listed in full within {@link #MAX_PAGES}, does.
 */
public final class OutputLocation {
    /** Pages of 1,000 keys read at most; a larger location is taken as written to. */
    static final int MAX_PAGES = 10;
    /** Clock differences between this process and S3, which stamps {@code LastModified}: newer than this before counts. */
    static final Duration SKEW = Duration.ofSeconds(5);

    private OutputLocation() {
    }

    /**
     * What makes the location unsafe to write again: the first key written at or after {@code since} (less
     * {@link #SKEW}), or why it could not be told; empty when nothing there is that new.
     */
    public static Optional<String> writtenSince(S3Client s3, String outputUri, Instant since) {
        if (outputUri == null) {
            return Optional.empty();
        }
        S3Uri out = S3Uri.parse(outputUri);
        String prefix = out.key().isEmpty() || out.key().endsWith("/") ? out.key() : out.key() + "/";
        Instant after = since.minus(SKEW);
        try {
            String token = null;
            for (int page = 0; page < MAX_PAGES; page++) {
                String t = token;
                ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket(out.bucket()).prefix(prefix).continuationToken(t));
                for (S3Object o : r.contents()) {
                    if (o.lastModified() == null || !o.lastModified().isBefore(after)) {
                        return Optional.of("s3://" + out.bucket() + "/" + o.key() + " was written at " + o.lastModified()
                                + ", after the attempt began");
                    }
                }
                if (!Boolean.TRUE.equals(r.isTruncated())) {
                    return Optional.empty();
                }
                token = r.nextContinuationToken();
            }
            return Optional.of(outputUri + " holds more than " + MAX_PAGES * 1000 + " objects, too many to check");
        } catch (SdkException e) {
            return Optional.of(outputUri + " could not be listed: " + e.getMessage());
        }
    }
}
