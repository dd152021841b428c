package dev.soal.router.logs;

import dev.soal.core.JobRecord;
import dev.soal.core.S3Uri;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * An EMR Serverless run's driver output, where the service writes it under the application's S3 log URI:
 * {@code <logUri>applications/<applicationId>/jobs/<jobRunId>/SPARK_DRIVER/stdout.gz} and {@code stderr.gz}
 * (Spark's own log is on stderr). Both are shown, stdout first; the service uploads them while the run goes on and
 * at its end.
 */
public final class EmrServerlessLogs implements JobLogs.Source {
    static final List<String> FILES = List.of("stdout.gz", "stderr.gz");
    /** The most bytes read of one file (unpacked); beyond it, its first part is shown. */
    static final long MAX_BYTES = 32L << 20;

    private final S3Client s3;
    private final S3Uri logUri;
    private final String applicationId;

    public EmrServerlessLogs(S3Client s3, S3Uri logUri, String applicationId) {
        this.s3 = s3;
        this.logUri = logUri;
        this.applicationId = applicationId;
    }

    /** The S3 folder of a run's driver logs. */
    S3Uri driverFolder(String jobRunId) {
        return logUri.resolve("applications/" + applicationId + "/jobs/" + jobRunId + "/SPARK_DRIVER/");
    }

    @Override
    public Optional<JobLogs.Excerpt> read(JobRecord job, JobLogs.Attempt attempt, int maxLines) {
        if (attempt.attemptId() == null) {
            return Optional.empty();
        }
        S3Uri folder = driverFolder(attempt.attemptId());
        List<String> lines = new ArrayList<>();
        for (String file : FILES) {
            List<String> content = gunzipped(folder.bucket(), folder.key() + file);
            if (content != null) {
                lines.add("== " + file.substring(0, file.length() - ".gz".length()) + " ==");
                lines.addAll(content);
            }
        }
        return lines.isEmpty() ? Optional.empty()
                : Optional.of(JobLogs.last("emr-serverless", folder + " (stdout.gz, stderr.gz)", lines, maxLines));
    }

    private List<String> gunzipped(String bucket, String key) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(key));
             GZIPInputStream gz = new GZIPInputStream(in)) {
            byte[] bytes = gz.readNBytes((int) MAX_BYTES);
            return new String(bytes, StandardCharsets.UTF_8).lines().toList();
        } catch (NoSuchKeyException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("s3://" + bucket + "/" + key + " is not a readable gzip file: " + e.getMessage(), e);
        }
    }
}
