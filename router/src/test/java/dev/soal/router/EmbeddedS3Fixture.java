package dev.soal.router;

import dev.soal.adapters.s3.S3Clients;
import dev.soal.embedded.s3.EmbeddedS3;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;

/** A real S3 server (S3Proxy) on loopback for one test class, with a real SDK client. */
public final class EmbeddedS3Fixture implements AutoCloseable {
    public final EmbeddedS3 server;
    public final S3Client s3;
    private InputMeasurer measurer;

    /** The buckets a router uses, with a small input ({@code s3://soal-data/small.csv}) and a script ({@code s3://soal-scripts/job.sql}). */
    public static EmbeddedS3Fixture forJobs() throws Exception {
        EmbeddedS3Fixture f = new EmbeddedS3Fixture("soal-jobs", "soal-data", "soal-scripts", "soal-output");
        f.put("soal-data", "small.csv", "a,b\n1,2\n");
        f.put("soal-scripts", "job.sql", "SELECT 1");
        return f;
    }

    /** A measurer over this server, closed with it. */
    public synchronized InputMeasurer measurer() {
        if (measurer == null) {
            measurer = new InputMeasurer(s3, 4, java.time.Duration.ofSeconds(30));
        }
        return measurer;
    }

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
    public synchronized void close() {
        if (measurer != null) {
            measurer.close();
        }
        s3.close();
        server.close();
    }
}
