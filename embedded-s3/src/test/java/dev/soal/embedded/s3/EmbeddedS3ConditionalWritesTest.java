package dev.soal.embedded.s3;

import dev.soal.adapters.s3.S3Clients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The embedded S3 answers conditional writes as S3 does, and atomically, whoever the clients are. */
class EmbeddedS3ConditionalWritesTest {
    private static EmbeddedS3 server;
    private static S3Client a;
    private static S3Client b;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedS3.start(Files.createTempDirectory("soal-s3-cond"));
        a = S3Clients.create(server.settings());
        b = S3Clients.create(server.settings()); // a second client: its own connections, as another process has
        a.createBucket(r -> r.bucket("cond"));
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        server.close();
    }

    @Test
    void ifNoneMatchStar_onAnExistingKey_is412_andTheObjectStays() {
        a.putObject(r -> r.bucket("cond").key("once").ifNoneMatch("*"), RequestBody.fromString("first"));
        S3Exception e = catchThrowableOfType(S3Exception.class, () ->
                b.putObject(r -> r.bucket("cond").key("once").ifNoneMatch("*"), RequestBody.fromString("second")));
        assertThat(e.statusCode()).isEqualTo(412);
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("PreconditionFailed");
        assertThat(a.getObjectAsBytes(r -> r.bucket("cond").key("once")).asUtf8String()).isEqualTo("first");
    }

    @Test
    void ifMatch_writesOnlyOverTheEtagItNames() {
        String etag = a.putObject(r -> r.bucket("cond").key("cas"), RequestBody.fromString("v1")).eTag();
        String etag2 = b.putObject(r -> r.bucket("cond").key("cas").ifMatch(etag), RequestBody.fromString("v2")).eTag();
        S3Exception stale = catchThrowableOfType(S3Exception.class, () ->
                a.putObject(r -> r.bucket("cond").key("cas").ifMatch(etag), RequestBody.fromString("v3")));
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(etag2).isNotEqualTo(etag);
        assertThat(a.getObjectAsBytes(r -> r.bucket("cond").key("cas")).asUtf8String()).isEqualTo("v2");
    }

    @Test
    void ifMatch_onAMissingKey_is404() {
        S3Exception e = catchThrowableOfType(S3Exception.class, () ->
                a.putObject(r -> r.bucket("cond").key("missing").ifMatch("\"0123\""), RequestBody.fromString("x")));
        assertThat(e.statusCode()).isEqualTo(404);
        assertThat(a.listObjectsV2(r -> r.bucket("cond").prefix("missing")).contents()).isEmpty();
    }

    @Test
    void manyConcurrentCreatorsOfOneKey_exactlyOneWins() throws Exception {
        for (int round = 0; round < 10; round++) {
            String key = "race-" + round;
            ExecutorService pool = Executors.newFixedThreadPool(16);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> tries = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                S3Client client = i % 2 == 0 ? a : b;
                String body = "writer-" + i;
                tries.add(pool.submit((Callable<Boolean>) () -> {
                    go.await();
                    try {
                        client.putObject(r -> r.bucket("cond").key(key).ifNoneMatch("*"), RequestBody.fromString(body));
                        return true;
                    } catch (S3Exception e) {
                        if (e.statusCode() == 412) {
                            return false;
                        }
                        throw e;
                    }
                }));
            }
            go.countDown();
            int won = 0;
            for (Future<Boolean> f : tries) {
                won += f.get() ? 1 : 0;
            }
            pool.shutdownNow();
            assertThat(won).as("round %d", round).isEqualTo(1);
        }
    }

    @Test
    void unconditionalWrites_stillOverwrite() {
        a.putObject(r -> r.bucket("cond").key("plain"), RequestBody.fromString("1"));
        b.putObject(r -> r.bucket("cond").key("plain"), RequestBody.fromString("2"));
        assertThat(a.getObjectAsBytes(r -> r.bucket("cond").key("plain")).asUtf8String()).isEqualTo("2");
    }
}
