package dev.soal.runtime;

import dev.soal.adapters.s3.S3Clients;
import dev.soal.core.S3Uri;
import dev.soal.embedded.s3.EmbeddedS3;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A long-lived session's rolling event log, mirrored to a real S3 server (S3Proxy) after each job. */
class EventLogShipperTest {
    private static EmbeddedS3 server;
    private static S3Client s3;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedS3.start(Files.createTempDirectory("soal-event-logs-s3"));
        s3 = S3Clients.create(server.settings());
        s3.createBucket(r -> r.bucket("soal-output"));
    }

    @AfterAll
    static void stop() {
        s3.close();
        server.close();
    }

    private static List<String> remote() {
        return s3.listObjectsV2Paginator(r -> r.bucket("soal-output").prefix("soal-logs/spark-events/")).contents().stream()
                .map(S3Object::key).filter(k -> !k.endsWith("/")) // S3Proxy lists its folders too
                .map(k -> k.substring("soal-logs/spark-events/".length())).sorted().toList();
    }

    @Test
    void whatChangedIsCopied_rolledFilesLeaveTheDisk_andAnEndedApplicationsMarkIsRemoved() throws Exception {
        Path local = Files.createTempDirectory("soal-spark-events");
        EventLogShipper shipper = new EventLogShipper(s3, local, S3Uri.parse("s3://soal-output/soal-logs/spark-events/"));
        assertThat(shipper.settings()).containsEntry("spark.eventLog.enabled", "true")
                .containsEntry("spark.eventLog.dir", local.toUri().toString())
                .containsEntry("spark.eventLog.rolling.enabled", "true");
        Path app = Files.createDirectories(local.resolve("eventlog_v2_local-1"));
        Files.writeString(app.resolve("events_1_local-1"), "{\"Event\":\"SparkListenerLogStart\"}\n");
        Files.writeString(app.resolve("appstatus_local-1.inprogress"), "");
        Files.writeString(app.resolve(".events_1_local-1.crc"), "checksum");

        assertThat(shipper.ship()).isEqualTo(2);
        assertThat(remote()).containsExactly("eventlog_v2_local-1/appstatus_local-1.inprogress", "eventlog_v2_local-1/events_1_local-1");
        assertThat(shipper.ship()).as("nothing changed").isZero();

        // the next job's events, then a roll to a second file
        Files.writeString(app.resolve("events_1_local-1"), "{\"Event\":\"SparkListenerJobStart\"}\n", StandardOpenOption.APPEND);
        Files.setLastModifiedTime(app.resolve("events_1_local-1"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(shipper.ship()).isEqualTo(1);
        assertThat(new String(s3.getObjectAsBytes(r -> r.bucket("soal-output").key("soal-logs/spark-events/eventlog_v2_local-1/events_1_local-1"))
                .asByteArray())).contains("SparkListenerJobStart");
        Files.writeString(app.resolve("events_2_local-1"), "{\"Event\":\"SparkListenerJobEnd\"}\n");
        assertThat(shipper.ship()).isEqualTo(1);
        assertThat(app.resolve("events_1_local-1")).doesNotExist();
        assertThat(remote()).contains("eventlog_v2_local-1/events_1_local-1", "eventlog_v2_local-1/events_2_local-1");

        // the session stops: Spark renames its mark; the History Server then sees the application as complete
        Files.move(app.resolve("appstatus_local-1.inprogress"), app.resolve("appstatus_local-1"));
        assertThat(shipper.ship()).isEqualTo(2);
        assertThat(remote()).containsExactly("eventlog_v2_local-1/appstatus_local-1", "eventlog_v2_local-1/events_1_local-1",
                "eventlog_v2_local-1/events_2_local-1");

        // the environment empties its /tmp afterwards: what is in S3 stays
        try (java.util.stream.Stream<Path> all = Files.walk(local)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        assertThat(shipper.ship()).isZero();
        assertThat(remote()).hasSize(3);
    }

    @Test
    void rolledFilesAreOrderedByTheirNumber_notTheirName() {
        assertThat(EventLogShipper.index(Path.of("events_10_local-1"))).isEqualTo(10);
        assertThat(EventLogShipper.index(Path.of("events_2_local-1.zstd"))).isEqualTo(2);
    }
}
