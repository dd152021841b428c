package dev.soal.router.embedded;

import dev.soal.core.SoalException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Local scripts and inputs put into the embedded stack's buckets, through the S3 API: a file under
 * {@code prefix + its name}, a folder file by file under {@code prefix + its name + /}; a file already there
 * with the same size and modification time is not sent again. What {@code soal run} and {@code soal serve}
 * upload.
 */
public final class LocalUploads {
    private static final String MTIME = "soal-mtime";
    private final S3Client s3;

    public LocalUploads(S3Client s3) {
        this.s3 = s3;
    }

    /** An {@code s3://} (or {@code s3a://}) URI as it is; a local file or folder uploaded, and its {@code s3://} URI. */
    public String stage(String path, String bucket, String keyPrefix) {
        if (path.startsWith("s3://") || path.startsWith("s3a://")) {
            return path;
        }
        return upload(Path.of(path), bucket, keyPrefix);
    }

    /** Uploads a local file or folder; a clear error when there is neither. */
    public String upload(Path local, String bucket, String keyPrefix) {
        if (Files.isRegularFile(local)) {
            String key = keyPrefix + local.getFileName();
            uploadIfChanged(local, bucket, key);
            return "s3://" + bucket + "/" + key;
        }
        if (Files.isDirectory(local)) {
            String base = keyPrefix + local.toAbsolutePath().normalize().getFileName() + "/";
            try (Stream<Path> files = Files.walk(local)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    uploadIfChanged(f, bucket, base + local.relativize(f).toString().replace('\\', '/'));
                }
            } catch (IOException e) {
                throw new SoalException("cannot read folder " + local + ": " + e.getMessage(), e, false);
            }
            return "s3://" + bucket + "/" + base;
        }
        throw new IllegalArgumentException("no such file or folder: " + local);
    }

    private void uploadIfChanged(Path file, String bucket, String key) {
        try {
            long size = Files.size(file);
            String mtime = String.valueOf(Files.getLastModifiedTime(file).toMillis());
            try {
                HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(key));
                if (head.contentLength() == size && mtime.equals(head.metadata().get(MTIME))) {
                    return;
                }
            } catch (NoSuchKeyException e) {
                // not there yet
            }
            s3.putObject(r -> r.bucket(bucket).key(key).metadata(Map.of(MTIME, mtime)), RequestBody.fromFile(file));
        } catch (IOException e) {
            throw new SoalException("cannot upload " + file + ": " + e.getMessage(), e, false);
        }
    }
}
