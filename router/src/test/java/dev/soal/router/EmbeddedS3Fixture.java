package dev.soal.router;

import dev.soal.adapters.s3.S3Clients;
import dev.soal.router.embedded.EmbeddedS3;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;

/** A real S3 server (S3Proxy) on loopback for one test class, with a real SDK client. */
public final class EmbeddedS3Fixture implements AutoCloseable {
    public final EmbeddedS3 server;
    public final S3Client s3;

    public EmbeddedS3Fixture(String... buckets) throws Exception {
        server = EmbeddedS3.start(Files.createTempDirectory("soal-s3-test"));
        s3 = S3Clients.create(server.settings());
        for (String b : buckets) {
            s3.createBucket(r -> r.bucket(b));
        }
    }

    public void put(String bucket, String key, String body) {
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(body));
    }

    @Override
    public void close() {
        s3.close();
        server.close();
    }
}
